package run.caracal.cli.runtime;

import com.sun.net.httpserver.HttpServer;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import run.caracal.cli.Caracal;
import run.caracal.cli.ExitCode;
import run.caracal.cli.Launcher;
import run.caracal.cli.admin.AdminClient;
import run.caracal.sdk.Profile;
import run.caracal.sdk.StsClient;

/**
 * `caracal quickstart`: from nothing to a first protected, explained call. Starts Caracal
 * (`up`), a demo upstream, runs setup unattended, makes one allowed and one denied call through
 * the Gateway with a session token from the runtime profile, and explains both.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
    description = "Start Caracal and a demo API, set up a protected resource, make an allowed and a denied call, explain both.")
public final class QuickstartCommand implements Callable<Integer> {
  static final String GUARD = """
      ---
      apiVersion: caracal.run/v1
      kind: Policy
      metadata:
        name: quickstart-guard
        description: Agents may read and write the demo API but never delete
      spec:
        resources: ["resource://demo-api"]
        rules:
          - name: no-deletes
            effect: deny
            scopes: ["*"]
            when: "request.method == 'DELETE'"
            reason: agents never delete in the demo
      """;

  private static final Duration STS_TIMEOUT = Duration.ofSeconds(30);

  @Spec
  CommandSpec spec;

  @Option(names = "--dir", defaultValue = "quickstart", description = "Where to write the profile and secret (default: ./${DEFAULT-VALUE}).")
  Path dir;

  @Option(names = "--sts-port", defaultValue = "7070", description = "Control + STS port for `up` (default: ${DEFAULT-VALUE}; 0 = any free port).")
  int stsPort;

  @Option(names = "--gateway-port", defaultValue = "7080", description = "Gateway port for `up` (default: ${DEFAULT-VALUE}; 0 = any free port).")
  int gatewayPort;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    CommandLine cli = Caracal.commandLine();
    cli.setOut(out);
    cli.setErr(spec.commandLine().getErr());
    out.println("== 1. start caracal");
    out.flush();
    if (cli.execute("up", "--sts-port", String.valueOf(stsPort), "--gateway-port", String.valueOf(gatewayPort)) != 0) {
      return ExitCode.FINDINGS.code();
    }
    out.println("== 2. start a demo upstream (it echoes each request)");
    HttpServer upstream = DemoUpstreamCommand.start(0);
    String upstreamUrl = "http://127.0.0.1:" + upstream.getAddress().getPort();
    out.println("  demo upstream: " + upstreamUrl);
    try {
      out.println("== 3. set up zone, app, resource, policies; write the runtime profile");
      Files.createDirectories(dir);
      String suffix = Long.toString(System.currentTimeMillis() % 100000);
      SetupCommand setup = new SetupCommand();
      setup.spec = spec;
      setup.zone = "quickstart";
      setup.app = "demo-agent-" + suffix;
      setup.resourceId = "resource://demo-api";
      setup.scopes = List.of("demo:read", "demo:write");
      setup.upstream = upstreamUrl;
      setup.profile = dir.resolve("caracal.toml");
      setup.secretFile = dir.resolve("demo-agent-" + suffix + ".secret");
      setup.firstPath = "/items";
      setup.extraPolicyNames = List.of("quickstart-guard");
      setup.extraPolicyYaml = GUARD;
      SetupCommand.Result result = setup.apply(AdminClient.fromHome(), setup.profile, setup.secretFile);
      out.println("  zone " + result.zoneId() + ", app " + result.appId() + ", policy set default v" + result.setVersion());
      out.println("  profile " + result.profile() + ", secret " + result.secretFile());
      out.println("== 4. open a session and get a token (what `caracal run` does)");
      Profile profile = Profile.load(result.profile());
      StsClient sts = StsClient.of(profile, STS_TIMEOUT);
      StsClient.OpenedSession session = sts.openSession(600);
      String token = sts.accessToken(session, "resource://demo-api", List.of("demo:read", "demo:write"));
      out.println("  session " + session.id() + "; token for resource://demo-api (demo:read demo:write)");
      HttpClient http = HttpClient.newHttpClient();
      out.println("== 5. allowed call: GET " + profile.gatewayUrl() + "/items");
      String allowedId = call(http, out, profile.gatewayUrl(), "GET", "/items", token);
      out.println("== 6. denied call: DELETE " + profile.gatewayUrl() + "/items/42");
      String deniedId = call(http, out, profile.gatewayUrl(), "DELETE", "/items/42", token);
      sts.endSession(session);
      out.println("== 7. caracal explain " + allowedId);
      out.flush();
      cli.execute("explain", allowedId);
      out.println("== 8. caracal explain " + deniedId);
      out.flush();
      cli.execute("explain", deniedId);
      out.println();
      out.println("next: run your own command with the profile:");
      out.println("  " + SetupCommand.firstRequest(result));
      out.println("stop everything with `" + Launcher.name() + " down`.");
      out.flush();
      return ExitCode.OK.code();
    } finally {
      upstream.stop(0);
    }
  }

  private static String call(HttpClient http, PrintWriter out, String gateway, String method, String path, String token) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(gateway + path))
        .header("Authorization", "Bearer " + token).header("X-Caracal-Resource", "resource://demo-api")
        .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    String id = r.headers().firstValue("X-Caracal-Request-Id").orElse("?");
    out.println("  -> " + r.statusCode() + " " + r.body());
    out.println("  request id: " + id);
    return id;
  }

}

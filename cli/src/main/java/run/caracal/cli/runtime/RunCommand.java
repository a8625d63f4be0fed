package run.caracal.cli.runtime;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.sdk.CaracalException;
import run.caracal.sdk.ConfigException;
import run.caracal.sdk.Profile;
import run.caracal.sdk.StsClient;
import sun.misc.Signal;

/**
 * `caracal run -- CMD...`: opens an agent session with the runtime profile, obtains each
 * credential's token, runs the command (no shell) with the Caracal variables (and `CARACAL_RUN=1`,
 * on which the SDKs print the approve command of a held request to stderr), forwards SIGTERM
 * and SIGHUP, ends the session when the command exits, and exits with its code. Messages go to
 * stderr; stdout belongs to the command.
 */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run a command with a Caracal session and scoped tokens in its environment.")
public final class RunCommand implements Callable<Integer> {
  private static final Duration STS_TIMEOUT = Duration.ofSeconds(30);

  @Spec
  CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "CMD", description = "The command and its arguments (after `--`).")
  List<String> command;

  @Override
  public Integer call() throws Exception {
    var err = spec.commandLine().getErr();
    Profile profile;
    try {
      profile = Profile.resolve(System.getenv());
    } catch (ConfigException e) {
      err.println("caracal run: " + e.getMessage());
      return ExitCode.USAGE.code();
    }
    StsClient sts = StsClient.of(profile, STS_TIMEOUT);
    StsClient.OpenedSession session;
    try {
      session = sts.openSession(profile.ttlSeconds());
    } catch (CaracalException e) {
      err.println("caracal run: " + e.getMessage());
      return ExitCode.FINDINGS.code();
    }
    Map<String, String> env = new HashMap<>();
    try {
      for (Profile.Credential c : profile.credentials()) {
        env.put(c.env(), sts.accessToken(session, c.resource(), c.scopes()));
      }
    } catch (CaracalException e) {
      err.println("caracal run: " + e.getMessage());
      endQuietly(sts, session, err);
      return ExitCode.FINDINGS.code();
    }
    profile.file().ifPresent(p -> env.put("CARACAL_CONFIG", p.toAbsolutePath().toString()));
    env.put("CARACAL_SESSION_ID", session.id());
    env.put("CARACAL_SESSION_TOKEN", session.token());
    env.put("CARACAL_GATEWAY_URL", profile.gatewayUrl());
    env.put("CARACAL_STS_URL", profile.stsUrl());
    // the SDKs print the approve command of a request held for approval when they see it
    env.put("CARACAL_RUN", "1");
    ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
    pb.environment().putAll(env);
    Process child;
    try {
      child = pb.start();
    } catch (IOException e) {
      err.println("caracal run: cannot start `" + command.get(0) + "`: " + e.getMessage());
      endQuietly(sts, session, err);
      return 127;
    }
    for (String name : List.of("TERM", "HUP")) {
      Signal.handle(new Signal(name), s -> child.destroy());
    }
    Signal.handle(new Signal("INT"), s -> { /* the terminal sends SIGINT to the child too; wait for it */ });
    int code = child.waitFor();
    endQuietly(sts, session, err);
    return code;
  }

  private static void endQuietly(StsClient sts, StsClient.OpenedSession session, PrintWriter err) {
    try {
      sts.endSession(session);
    } catch (CaracalException e) {
      err.println("caracal run: warning: " + e.getMessage());
    }
  }
}

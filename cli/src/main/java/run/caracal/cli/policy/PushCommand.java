package run.caracal.cli.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.cli.UsageException;
import run.caracal.cli.admin.AdminClient.AdminException;
import run.caracal.cli.admin.AdminClient;
import run.caracal.cli.admin.AdminOutput;
import run.caracal.cli.admin.AdminPaths;
import run.caracal.cli.admin.OutputOptions;
import run.caracal.policy.source.SourceFile;

/**
 * `caracal policy push PATH... --zone Z`: stores the changed policies and policy sets as new
 * immutable versions. The server lints first and refuses the whole push on any error.
 */
@Command(name = "push", mixinStandardHelpOptions = true,
    description = {"Push policy files to a zone as new versions (nothing is activated).",
        "Unchanged policies and sets keep their version; a push with lint errors is refused whole."},
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:pushed", "1:refused (lint errors, unknown zone) or the server failed", "2:usage error"})
final class PushCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  OutputOptions output;

  @Parameters(arity = "1..*", paramLabel = "PATH", description = "Files or directories (searched for *.yaml, *.yml).")
  List<Path> paths;

  @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "Zone name or id.")
  String zone;

  @Override
  public Integer call() {
    List<Path> files = PolicySources.collect(paths);
    if (files.isEmpty()) {
      throw new UsageException("no `.yaml` or `.yml` files under " + paths);
    }
    List<Map<String, String>> body = new ArrayList<>();
    for (Path file : files) {
      SourceFile source = PolicySources.read(file);
      body.add(Map.of("name", source.name(), "content", source.text()));
    }
    AdminClient client = AdminClient.fromHome();
    JsonNode result;
    try {
      result = client.post(AdminPaths.policies(zone), Map.of("files", body));
    } catch (AdminException e) {
      if (e.status() == 422 && e.body().path("error").asText().equals("lint_failed")) {
        return refused(e.body());
      }
      throw e;
    }
    AdminOutput out = new AdminOutput(spec, output);
    if (out.isJson()) {
      out.json(result);
      return ExitCode.OK.code();
    }
    List<List<String>> rows = new ArrayList<>();
    result.path("policies").forEach(p -> rows.add(row("policy", p)));
    result.path("policy_sets").forEach(s -> rows.add(row("policy set", s)));
    out.table(List.of("KIND", "NAME", "VERSION", "SHA256", "CHANGE"), rows, "no policies or policy sets in " + paths);
    return ExitCode.OK.code();
  }

  private int refused(JsonNode error) {
    PrintWriter err = spec.commandLine().getErr();
    JsonNode diagnostics = error.path("diagnostics");
    diagnostics.forEach(d -> err.println(d.path("file").asText() + ":" + d.path("line").asInt() + ":" + d.path("column").asInt()
        + ": " + d.path("severity").asText() + " " + d.path("code").asText() + " " + d.path("message").asText()));
    err.println("caracal: " + (diagnostics.isEmpty() ? error.path("message").asText("push refused")
        : "push refused: " + diagnostics.size() + " lint error(s); nothing was stored"));
    err.flush();
    return ExitCode.FINDINGS.code();
  }

  private static List<String> row(String kind, JsonNode item) {
    String sha = item.path("sha256").asText();
    return List.of(kind, item.path("name").asText(), "v" + item.path("version").asInt(),
        sha.length() > 12 ? sha.substring(0, 12) : sha, item.path("created").asBoolean() ? "new version" : "unchanged");
  }
}

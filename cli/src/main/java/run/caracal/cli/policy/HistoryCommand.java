package run.caracal.cli.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.cli.admin.AdminClient;
import run.caracal.cli.admin.AdminOutput;
import run.caracal.cli.admin.AdminPaths;
import run.caracal.cli.admin.OutputOptions;

/** `caracal policy history --zone Z`: every activation of the zone and every pushed set version. */
@Command(name = "history", mixinStandardHelpOptions = true,
    description = "Show a zone's activations (active and shadow) and its pushed policy-set versions.")
final class HistoryCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Mixin
  OutputOptions output;

  @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "Zone name or id.")
  String zone;

  @Override
  public Integer call() {
    JsonNode history = AdminClient.fromHome().get(AdminPaths.history(zone));
    AdminOutput out = new AdminOutput(spec, output);
    if (out.isJson()) {
      out.json(history);
      return ExitCode.OK.code();
    }
    List<JsonNode> entries = new ArrayList<>();
    history.path("activations").forEach(entries::add);
    List<List<String>> activations = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      JsonNode a = entries.get(i);
      boolean slotShadow = a.path("shadow").asBoolean();
      boolean current = entries.subList(i + 1, entries.size()).stream().noneMatch(b -> b.path("shadow").asBoolean() == slotShadow);
      activations.add(List.of(current ? "*" : "", a.path("seq").asText(), slotShadow ? "shadow" : "active",
          a.path("policy_set").isNull() ? "(none)" : a.path("policy_set").asText(),
          a.path("version").isNull() ? "-" : "v" + a.path("version").asText(),
          a.path("activated_at").asText(), a.path("actor").asText()));
    }
    List<List<String>> sets = new ArrayList<>();
    history.path("policy_sets").forEach(s -> {
      List<String> pins = new ArrayList<>();
      s.path("policies").forEach(p -> pins.add(p.path("name").asText() + "@v" + p.path("version").asText()));
      String sha = s.path("sha256").asText();
      sets.add(List.of(s.path("name").asText(), "v" + s.path("version").asText(), sha.length() > 12 ? sha.substring(0, 12) : sha,
          pins.isEmpty() ? "-" : String.join(", ", pins), s.path("created_at").asText()));
    });
    out.line("Activations (* = current):");
    section(out, List.of("", "SEQ", "SLOT", "POLICY SET", "VERSION", "AT", "ACTOR"), activations);
    out.line("");
    out.line("Policy sets:");
    section(out, List.of("NAME", "VERSION", "SHA256", "POLICIES", "PUSHED"), sets);
    return ExitCode.OK.code();
  }

  private static void section(AdminOutput out, List<String> headers, List<List<String>> rows) {
    if (rows.isEmpty()) {
      out.line("  none");
    } else {
      out.table(headers, rows, "");
    }
  }
}

package run.caracal.cli.policy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.cli.UsageException;
import run.caracal.cli.admin.AdminClient;
import run.caracal.cli.audit.Since;
import run.caracal.decision.DecisionRecord;
import run.caracal.decision.DecisionRecordJson;
import run.caracal.decision.ImpactReport;
import run.caracal.decision.Replay;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.engine.testing.LocalPolicySet;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.cel.CheckedPolicy;
import run.caracal.policy.diag.Diagnostic;

/**
 * `caracal policy simulate PATH... --zone Z`: decides the zone's recorded decisions again with a
 * candidate policy set compiled from local files, and reports what would change. Records stream
 * from the running server (or an export file) and are never held all at once.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
    description = "Replay a zone's recorded decisions against a candidate policy set from local files and report what would change.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:done", "1:lint errors, or the server or export failed", "2:usage error",
        "4:--fail-on-change and a decision changed (or could not be told)"})
final class SimulateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "PATH", description = "Policy files or directories (*.yaml, *.yml) holding the candidate set.")
  List<Path> paths;

  @Option(names = "--zone", required = true, description = "The zone whose recorded decisions are replayed (name or id).")
  String zone;

  @Option(names = "--set", description = "The candidate policy set (default: the only one in the files).")
  String set;

  @Option(names = "--since", defaultValue = "24h", description = "From this long ago or this time (default: ${DEFAULT-VALUE}).")
  String since;

  @Option(names = "--until", description = "Up to this time (default: now).")
  String until;

  @Option(names = "--phase", description = "Only decisions of this phase: issue (STS) or request (Gateway).")
  String phase;

  @Option(names = "--limit", defaultValue = "1000", description = "List at most this many changes (all are counted; default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--format", defaultValue = "text", description = "text, json or junit (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--export", paramLabel = "FILE", description = "Read an export (`caracal audit export`) instead of the server.")
  Path export;

  @Option(names = "--fail-on-change", description = "Exit 4 when any decision would change or cannot be told.")
  boolean failOnChange;

  @Override
  public Integer call() throws IOException {
    if (!List.of("text", "json", "junit").contains(format)) {
      throw new UsageException("--format must be text, json or junit");
    }
    if (phase != null && !phase.equals("issue") && !phase.equals("request")) {
      throw new UsageException("--phase must be issue or request");
    }
    if (limit < 0) {
      throw new UsageException("--limit must not be negative");
    }
    Instant now = Instant.now();
    Instant from = time("--since", since, now);
    Instant to = until == null ? now : time("--until", until, now);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PolicyBundle bundle = PolicySources.load(paths);
    if (bundle.hasErrors()) {
      bundle.diagnostics().stream().filter(Diagnostic::isError).forEach(d -> err.println(d.format()));
      err.println("lint errors: fix them before simulating (`caracal policy lint`)");
      return ExitCode.FINDINGS.code();
    }
    CompiledPolicySet candidate = LocalPolicySet.compile(bundle, setName(bundle));
    BiPredicate<String, String> readsMasked = readsMasked(bundle);
    ImpactReport report = new ImpactReport(candidate.ref(), limit);
    Consumer<JsonNode> replay = event -> {
      DecisionRecord record;
      try {
        record = DecisionRecordJson.read(event);
      } catch (IllegalArgumentException e) {
        report.skipped();
        return;
      }
      if (phase != null && !record.phase().id().equals(phase)) {
        return;
      }
      Replay.replay(record, candidate, readsMasked).ifPresentOrElse(report::add, report::skipped);
    };
    DecisionEvents.stream(export, zone, from, to, replay);
    switch (format) {
      case "json" -> out.println(AdminClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report.toJson()));
      case "junit" -> out.print(ImpactText.junit(report));
      default -> ImpactText.text(report, zone, from, to).forEach(out::println);
    }
    out.flush();
    return failOnChange && report.changed() ? ExitCode.CHANGED.code() : ExitCode.OK.code();
  }

  private String setName(PolicyBundle bundle) {
    if (set != null) {
      if (!bundle.sets().containsKey(set)) {
        throw new UsageException("no policy set `" + set + "` in " + paths + " (sets: " + String.join(", ", bundle.sets().keySet()) + ")");
      }
      return set;
    }
    if (bundle.sets().size() != 1) {
      throw new UsageException(bundle.sets().isEmpty() ? "no PolicySet in " + paths
          : "several policy sets in " + paths + "; name one with --set (" + String.join(", ", bundle.sets().keySet()) + ")");
    }
    return bundle.sets().keySet().iterator().next();
  }

  /**
   * Whether a candidate policy reads a masked path: any of its expressions (conditions and
   * variables) names the path's object (`request.headers` for `request.headers.x-api-key`).
   * Conservative: a policy that reads headers at all counts as reading every masked header.
   */
  static BiPredicate<String, String> readsMasked(PolicyBundle bundle) {
    Map<String, String> texts = new HashMap<>();
    for (Map.Entry<String, CheckedPolicy> e : bundle.policies().entrySet()) {
      StringBuilder all = new StringBuilder();
      e.getValue().variables().forEach(v -> all.append(v.expression().source().value()).append('\n'));
      e.getValue().rules().forEach(r -> r.condition().ifPresent(c -> all.append(c.source().value()).append('\n')));
      texts.put(e.getKey(), all.toString());
    }
    return (policy, path) -> {
      String[] parts = path.split("\\.");
      String object = parts.length >= 2 ? parts[0] + "." + parts[1] : path;
      return texts.getOrDefault(policy, "").contains(object);
    };
  }

  /** A `--since`/`--until` value as a time; a usage error naming the option when it is neither. */
  static Instant time(String option, String value, Instant now) {
    try {
      return Since.parse(value, now);
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw new UsageException(option + " `" + value + "` is neither a duration (90s, 15m, 2h, 7d) nor a time");
    }
  }
}

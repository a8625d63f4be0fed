package run.caracal.cli.policy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.LinkedHashMap;
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
import run.caracal.cli.admin.AdminClient;
import run.caracal.cli.admin.AdminOutput;
import run.caracal.cli.admin.AdminPaths;
import run.caracal.cli.admin.OutputOptions;
import run.caracal.decision.ImpactReport;

/**
 * `caracal policy activate SET --zone Z`: makes a pushed policy-set version the one a zone
 * decides with (an earlier version rolls back), or the shadow candidate evaluated beside it.
 *
 * <p>Declares its own {@code -h/--help}: its {@code --version N} names the set version, and
 * picocli silently drops the whole standard help mixin when one of its names is taken.
 */
@Command(name = "activate",
    description = {"Activate a pushed policy set in a zone: the latest version, or --version N (an earlier one rolls back).",
        "With --shadow the set is evaluated beside the active one and disagreements are recorded; --clear-shadow stops that."},
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:activated", "1:unknown zone, set or version, or the set does not compile", "2:usage error"})
final class ActivateCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
  boolean help;

  @Mixin
  OutputOptions output;

  @Parameters(arity = "0..1", paramLabel = "SET", description = "Policy set name (omit with --clear-shadow).")
  String set;

  @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "Zone name or id.")
  String zone;

  @Option(names = "--version", paramLabel = "N", description = "Set version to activate (default: the latest).")
  Integer version;

  @Option(names = "--shadow", description = "Make it the shadow candidate instead of the active set.")
  boolean shadow;

  @Option(names = "--clear-shadow", description = "Stop shadow evaluation in the zone.")
  boolean clearShadow;

  @Option(names = "--impact", description = {"First replay the zone's decisions of the last 24 h against the set and print what would change"
      + " (as `caracal policy simulate`), then activate."})
  boolean impact;

  @Override
  public Integer call() throws IOException {
    Map<String, Object> body = new LinkedHashMap<>();
    if (clearShadow) {
      if (set != null || version != null || shadow) {
        throw new UsageException("--clear-shadow takes no SET, --version or --shadow");
      }
      body.put("shadow", true);
      body.put("clear", true);
    } else {
      if (set == null) {
        throw new UsageException("missing SET: the policy set to activate (or --clear-shadow)");
      }
      if (version != null && version < 1) {
        throw new UsageException("--version must be 1 or more");
      }
      body.put("policy_set", set);
      if (version != null) {
        body.put("version", version);
      }
      body.put("shadow", shadow);
    }
    AdminClient admin = AdminClient.fromHome();
    AdminOutput out = new AdminOutput(spec, output);
    ImpactReport report = null;
    if (impact) {
      if (clearShadow) {
        throw new UsageException("--impact needs a SET to replay; --clear-shadow activates none");
      }
      Impact.LastDay lastDay = Impact.lastDay(admin, zone, set, version, spec.commandLine().getErr()::println);
      report = lastDay.report();
      if (!out.isJson()) {
        out.line("impact of policy set `" + set + "` version " + lastDay.candidate().version() + " on the last 24 h:");
        lastDay.text(zone).forEach(line -> out.line("  " + line));
      }
    }
    ObjectNode result = (ObjectNode) admin.post(AdminPaths.activate(zone), body);
    if (out.isJson()) {
      if (report != null) {
        result.set("impact", report.toJson());
      }
      out.json(result);
    } else if (clearShadow) {
      out.line("cleared the shadow policy set of zone `" + zone + "`");
    } else {
      out.line((shadow ? "shadowing" : "activated") + " policy set `" + result.path("policy_set").asText() + "` version "
          + result.path("version").asText() + " in zone `" + zone + "`");
    }
    return ExitCode.OK.code();
  }
}

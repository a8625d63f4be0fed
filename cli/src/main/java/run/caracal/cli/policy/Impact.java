package run.caracal.cli.policy;

import java.io.IOException;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import run.caracal.decision.DecisionRecord;
import run.caracal.decision.DecisionRecordJson;
import run.caracal.decision.ImpactReport;
import run.caracal.decision.Replay;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.policy.cel.CheckedPolicy;

/**
 * Replays a zone's recorded decisions in a window against a candidate set: the one loop behind
 * `policy simulate`, `policy activate --impact` and the console's impact view.
 */
public final class Impact {
  private Impact() {}

  /**
   * The report of replaying the zone's decisions between {@code from} and {@code to} (from
   * {@code source}: an export, a database or the running server) against {@code candidate}.
   *
   * @param policies the candidate's checked policies (to tell which masked values they read)
   * @param phase {@code issue}, {@code request} or null for both
   * @param limit changes listed at most (all are counted)
   * @param warn hears about a zone the server does not know
   */
  public static ImpactReport replay(CompiledPolicySet candidate, Collection<CheckedPolicy> policies, DecisionEvents.Source source,
      String zone, Instant from, Instant to, String phase, int limit, Consumer<String> warn) throws IOException {
    BiPredicate<String, String> readsMasked = readsMasked(policies);
    ImpactReport report = new ImpactReport(candidate.ref(), limit);
    DecisionEvents.stream(source, zone, from, to, event -> {
      DecisionRecord record;
      try {
        record = DecisionRecordJson.read(event);
      } catch (IllegalArgumentException e) {
        report.skipped();
        return;
      }
      if (phase == null || record.phase().id().equals(phase)) {
        Replay.replay(record, candidate, readsMasked).ifPresentOrElse(report::add, report::skipped);
      }
    }, warn);
    return report;
  }

  /**
   * Whether a candidate policy reads a masked path: any of its expressions (conditions and
   * variables) names the path's object (`request.headers` for `request.headers.x-api-key`).
   * Conservative: a policy that reads headers at all counts as reading every masked header.
   */
  static BiPredicate<String, String> readsMasked(Collection<CheckedPolicy> policies) {
    Map<String, String> texts = new HashMap<>();
    for (CheckedPolicy p : policies) {
      StringBuilder all = new StringBuilder();
      p.variables().forEach(v -> all.append(v.expression().source().value()).append('\n'));
      p.rules().forEach(r -> r.condition().ifPresent(c -> all.append(c.source().value()).append('\n')));
      texts.put(p.name(), all.toString());
    }
    return (policy, path) -> {
      String[] parts = path.split("\\.");
      String object = parts.length >= 2 ? parts[0] + "." + parts[1] : path;
      return texts.getOrDefault(policy, "").contains(object);
    };
  }
}

package run.caracal.cli.policy;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.function.Function;
import run.caracal.cli.admin.AdminClient;
import run.caracal.decision.DecisionRecord;
import run.caracal.decision.ImpactReport;
import run.caracal.decision.Replay;
import run.caracal.decision.Replay.Replayed;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.policy.cel.CheckedPolicy;

/**
 * Replays a zone's recorded decisions in a window against a candidate set: the one loop behind
 * `policy simulate`, `policy activate --impact` and the console's impact view.
 */
public final class Impact {
  private Impact() {}

  /**
   * A pushed set version replayed against the zone's last 24 h of recorded decisions on the running
   * server, listing at most {@link #LISTED} changes: what `policy activate --impact` and the
   * console's impact view show.
   *
   * @param candidate the set version replayed
   * @param from the window's start
   * @param to its end
   * @param report what changed
   */
  public record LastDay(PushedSet candidate, Instant from, Instant to, ImpactReport report) {
    /** The report as `policy simulate` prints it. */
    public List<String> text(String zone) {
      return ImpactText.text(report, zone, from, to);
    }
  }

  /** Changes listed at most by {@link #lastDay}. */
  static final int LISTED = 20;

  /** Replays version {@code version} (null: the latest) of {@code set}; see {@link LastDay}. */
  public static LastDay lastDay(AdminClient admin, String zone, String set, Integer version, Consumer<String> warn)
      throws IOException {
    Instant to = Instant.now();
    Instant from = to.minus(Duration.ofHours(24));
    PushedSet candidate = PushedSet.fetch(admin, zone, set, version);
    return new LastDay(candidate, from, to, replay(candidate.compiled(), candidate.policies(), DecisionEvents.Source.SERVER,
        zone, from, to, null, LISTED, warn));
  }

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
    // per event, on a worker: empty when not of the phase asked, else the replay (empty: not replayable)
    Function<RecordedEvent, Optional<Optional<Replayed>>> replayOne = event -> {
      DecisionRecord record;
      try {
        record = event.record();
      } catch (IllegalArgumentException e) {
        return Optional.of(Optional.empty());
      }
      if (phase != null && !record.phase().id().equals(phase)) {
        return Optional.empty();
      }
      return Optional.of(Replay.replay(record, candidate, readsMasked));
    };
    new ParallelReplay(Runtime.getRuntime().availableProcessors()).run(
        sink -> DecisionEvents.stream(source, zone, from, to, sink, warn), replayOne,
        outcome -> outcome.ifPresent(replayed -> replayed.ifPresentOrElse(report::add, report::skipped)));
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

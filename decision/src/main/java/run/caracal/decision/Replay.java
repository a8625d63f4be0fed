package run.caracal.decision;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BiPredicate;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.RuleEvaluation;
import run.caracal.engine.decision.RuleRef;
import run.caracal.policy.model.Verdict;

/**
 * Decides a recorded decision's input again with another policy set (impact analysis, shadow
 * reports). Only records the engine decided can be replayed: a record refused before the engine
 * (its session ended, its scope outside the session...) would be refused the same way whatever
 * the policy, and an event written before records kept their input cannot be. Pure; thread-safe.
 */
public final class Replay {
  private Replay() {}

  /**
   * How a replayed decision compares with the recorded one. A move to or from
   * {@code approval_required} is a change of its own kind, never folded into allow or deny.
   */
  public enum Change {
    UNCHANGED,
    ALLOW_TO_DENY,
    DENY_TO_ALLOW,
    ALLOW_TO_APPROVAL,
    APPROVAL_TO_ALLOW,
    DENY_TO_APPROVAL,
    APPROVAL_TO_DENY,
    /** The candidate's decision read a value that was masked when recorded: never guessed. */
    INDETERMINATE;

    public String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    /** The change from one verdict to another. */
    public static Change between(Verdict from, Verdict to) {
      if (from == to) {
        return UNCHANGED;
      }
      return switch (from) {
        case ALLOW -> to == Verdict.DENY ? ALLOW_TO_DENY : ALLOW_TO_APPROVAL;
        case DENY -> to == Verdict.ALLOW ? DENY_TO_ALLOW : DENY_TO_APPROVAL;
        case APPROVAL_REQUIRED -> to == Verdict.ALLOW ? APPROVAL_TO_ALLOW : APPROVAL_TO_DENY;
      };
    }

    /** Whether the decision came out differently (neither unchanged nor indeterminate). */
    public boolean differs() {
      return this != UNCHANGED && this != INDETERMINATE;
    }
  }

  /**
   * One record replayed.
   *
   * @param record the recorded decision
   * @param recorded the engine's decision then
   * @param candidate the candidate's decision on the same input
   * @param change how they compare
   * @param rules the candidate rules that made the difference: for a new deny the deny rules that
   *     held (none when no allow rule grants any more), for a new allow the allow rules that grant,
   *     for a new approval_required the require_approval rules that hold
   */
  public record Replayed(DecisionRecord record, Decision recorded, Decision candidate, Change change, List<RuleRef> rules) {
    public Replayed {
      rules = List.copyOf(rules);
    }
  }

  /**
   * The shadow set's decision recorded beside the active one, as a replay of it (shadow
   * reports); empty when no shadow set decided.
   */
  public static Optional<Replayed> shadow(DecisionRecord record) {
    if (record.decision().isEmpty() || record.shadow().isEmpty()) {
      return Optional.empty();
    }
    Decision active = record.decision().get();
    Decision shadow = record.shadow().get();
    Change change = Change.between(active.verdict(), shadow.verdict());
    return Optional.of(new Replayed(record, active, shadow, change, change == Change.UNCHANGED ? List.of() : shadow.rules()));
  }

  /**
   * Replays a record, when it can be.
   *
   * @param readsMasked whether a policy of the candidate (by name) reads a masked input path
   *     (the record's masked paths, one at a time); a decision in which such a policy's rule was
   *     evaluated is indeterminate
   */
  public static Optional<Replayed> replay(DecisionRecord record, CompiledPolicySet candidate,
      BiPredicate<String, String> readsMasked) {
    if (record.decision().isEmpty() || record.input().isEmpty()) {
      return Optional.empty();
    }
    Decision recorded = record.decision().get();
    Decision replayed = candidate.decide(record.input().get().toDecisionInput());
    List<String> masked = record.input().get().masked();
    boolean indeterminate = !masked.isEmpty() && replayed.evaluated().stream().map(RuleEvaluation::policy).distinct()
        .anyMatch(policy -> masked.stream().anyMatch(path -> readsMasked.test(policy, path)));
    Change change = indeterminate ? Change.INDETERMINATE : Change.between(recorded.verdict(), replayed.verdict());
    List<RuleRef> rules = change == Change.UNCHANGED || change == Change.INDETERMINATE ? List.of() : replayed.rules();
    return Optional.of(new Replayed(record, recorded, replayed, change, rules));
  }
}

package run.caracal.decision;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionJson;
import run.caracal.engine.decision.EvaluationError;
import run.caracal.engine.decision.Phase;
import run.caracal.engine.decision.PolicySetRef;
import run.caracal.engine.decision.ReasonCode;
import run.caracal.engine.decision.RuleEvaluation;
import run.caracal.engine.decision.RuleRef;
import run.caracal.policy.model.Effect;
import run.caracal.policy.model.Verdict;

/**
 * Reads a decision as {@link DecisionJson#toJson} writes it from a streaming parser, giving what
 * {@link DecisionJson#fromJson} gives for the same text (a key given twice counts once, with its
 * last value, as in a tree); anything else throws {@link Unusual} (see {@link StreamingRecords}).
 * Stateless and thread-safe.
 */
final class StreamingDecisions {
  private static final Map<String, Effect> EFFECTS = Arrays.stream(Effect.values())
      .collect(Collectors.toUnmodifiableMap(Effect::id, e -> e));
  private static final Map<String, RuleEvaluation.Outcome> OUTCOMES = Arrays.stream(RuleEvaluation.Outcome.values())
      .collect(Collectors.toUnmodifiableMap(RuleEvaluation.Outcome::id, o -> o));
  private static final Map<String, ReasonCode> REASONS = Arrays.stream(ReasonCode.values())
      .collect(Collectors.toUnmodifiableMap(ReasonCode::id, r -> r));
  private StreamingDecisions() {}

  /**
   * Only the verdict and phase of the decision the parser is at ({@code t}, its current token),
   * the rest skipped unread: what a replay compares a recorded decision by.
   */
  static Decision verdict(JsonToken t, JsonParser p) throws IOException {
    Unusual.unless(t == JsonToken.START_OBJECT);
    Verdict verdict = Verdict.DENY;
    Phase phase = Phase.fromId("");
    for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
      JsonToken v = p.nextToken();
      switch (name) {
        case "decision" -> verdict = Verdict.fromId(Unusual.text(v, p)).orElseThrow(() -> Unusual.INSTANCE);
        case "phase" -> phase = Phase.fromId(Unusual.text(v, p));
        default -> p.skipChildren();
      }
    }
    return new Decision(verdict, phase, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(),
        new PolicySetRef("", 0, ""), 0);
  }

  /** The decision the parser is at ({@code t}, its current token). */
  static Decision decision(JsonToken t, JsonParser p) throws IOException {
    Unusual.unless(t == JsonToken.START_OBJECT);
    Verdict verdict = Verdict.DENY;
    Phase phase = Phase.fromId("");
    List<String> requested = List.of();
    List<String> granted = List.of();
    List<RuleRef> rules = List.of();
    List<ReasonCode> reasons = List.of();
    List<RuleEvaluation> evaluated = List.of();
    List<EvaluationError> errors = List.of();
    PolicySetRef set = new PolicySetRef("", 0, "");
    long micros = 0;
    for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
      JsonToken v = p.nextToken();
      switch (name) {
        case "decision" -> verdict = Verdict.fromId(Unusual.text(v, p)).orElseThrow(() -> Unusual.INSTANCE);
        case "approvals" -> throw Unusual.INSTANCE; // rare: the tree reader takes them
        case "phase" -> phase = Phase.fromId(Unusual.text(v, p));
        case "scopes" -> {
          Unusual.unless(v == JsonToken.START_OBJECT);
          for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
            JsonToken s = p.nextToken();
            switch (field) {
              case "requested" -> requested = StreamingRecords.strings(s, p);
              case "granted" -> granted = StreamingRecords.strings(s, p);
              default -> p.skipChildren();
            }
          }
        }
        case "rules" -> {
          Unusual.unless(v == JsonToken.START_ARRAY);
          rules = new ArrayList<>();
          for (JsonToken r = p.nextToken(); r != JsonToken.END_ARRAY; r = p.nextToken()) {
            rules.add(rule(r, p));
          }
        }
        case "reasons" -> reasons = StreamingRecords.strings(v, p).stream().map(StreamingDecisions::reason).toList();
        case "evaluated" -> {
          Unusual.unless(v == JsonToken.START_ARRAY);
          evaluated = new ArrayList<>();
          for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            evaluated.add(evaluation(e, p));
          }
        }
        case "errors" -> {
          Unusual.unless(v == JsonToken.START_ARRAY);
          errors = new ArrayList<>();
          for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            errors.add(error(e, p));
          }
        }
        case "policySet" -> set = policySet(v, p);
        case "evaluationMicros" -> micros = Unusual.int64(v, p);
        default -> p.skipChildren();
      }
    }
    return new Decision(verdict, phase, requested, granted, rules, List.of(), reasons, evaluated, errors, set, micros);
  }

  private static RuleRef rule(JsonToken t, JsonParser p) throws IOException {
    Unusual.unless(t == JsonToken.START_OBJECT);
    String policy = "";
    int version = 0;
    String rule = "";
    String effect = "";
    String scope = "";
    for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
      JsonToken v = p.nextToken();
      switch (name) {
        case "policy" -> policy = Unusual.text(v, p);
        case "version" -> version = Unusual.int32(v, p);
        case "rule" -> rule = Unusual.text(v, p);
        case "effect" -> effect = Unusual.text(v, p);
        case "scope" -> scope = Unusual.text(v, p);
        default -> p.skipChildren();
      }
    }
    return new RuleRef(policy, version, rule, effect(effect), scope);
  }

  private static RuleEvaluation evaluation(JsonToken t, JsonParser p) throws IOException {
    Unusual.unless(t == JsonToken.START_OBJECT);
    String policy = "";
    int version = 0;
    String rule = "";
    String effect = "";
    String outcome = "";
    Optional<String> error = Optional.empty();
    for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
      JsonToken v = p.nextToken();
      switch (name) {
        case "policy" -> policy = Unusual.text(v, p);
        case "version" -> version = Unusual.int32(v, p);
        case "rule" -> rule = Unusual.text(v, p);
        case "effect" -> effect = Unusual.text(v, p);
        case "outcome" -> outcome = Unusual.text(v, p);
        case "error" -> error = v == JsonToken.VALUE_NULL ? Optional.empty() : Optional.of(Unusual.text(v, p));
        default -> p.skipChildren();
      }
    }
    return new RuleEvaluation(policy, version, rule, effect(effect), outcome(outcome), error);
  }

  /** An error as an object; the older plain-text form is read by the tree reader. */
  private static EvaluationError error(JsonToken t, JsonParser p) throws IOException {
    Unusual.unless(t == JsonToken.START_OBJECT);
    String policy = "";
    int version = 0;
    String rule = "";
    String at = "";
    String message = "";
    for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
      JsonToken v = p.nextToken();
      switch (name) {
        case "policy" -> policy = Unusual.text(v, p);
        case "version" -> version = Unusual.int32(v, p);
        case "rule" -> rule = Unusual.text(v, p);
        case "at" -> at = Unusual.text(v, p);
        case "message" -> message = Unusual.text(v, p);
        default -> p.skipChildren();
      }
    }
    return new EvaluationError(policy, version, rule, at, message);
  }

  private static PolicySetRef policySet(JsonToken t, JsonParser p) throws IOException {
    Unusual.unless(t == JsonToken.START_OBJECT);
    String name = "";
    int version = 0;
    String sha256 = "";
    for (String field = p.nextFieldName(); field != null; field = p.nextFieldName()) {
      JsonToken v = p.nextToken();
      switch (field) {
        case "name" -> name = Unusual.text(v, p);
        case "version" -> version = Unusual.int32(v, p);
        case "sha256" -> sha256 = Unusual.text(v, p);
        default -> p.skipChildren();
      }
    }
    return new PolicySetRef(name, version, sha256);
  }

  private static Effect effect(String id) {
    Effect e = EFFECTS.get(id);
    if (e == null) {
      throw Unusual.INSTANCE;
    }
    return e;
  }

  /** As {@link DecisionJson} reads it ({@code valueOf} of the upper case), without a new string for the usual id. */
  private static RuleEvaluation.Outcome outcome(String id) {
    RuleEvaluation.Outcome o = OUTCOMES.get(id);
    return o != null ? o : RuleEvaluation.Outcome.valueOf(id.toUpperCase(Locale.ROOT));
  }

  private static ReasonCode reason(String id) {
    ReasonCode r = REASONS.get(id);
    return r != null ? r : ReasonCode.valueOf(id.toUpperCase(Locale.ROOT));
  }
}

package run.caracal.engine.decision;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import run.caracal.policy.model.Approval;
import run.caracal.policy.model.Effect;
import run.caracal.policy.model.Verdict;

/**
 * The JSON form of a decision and its explanation: what `caracal policy eval` prints and what
 * the decision record holds. Field names are a contract. {@link #fromJson} reads back what
 * {@link #toJson} wrote, and also the form written before evaluation errors carried their place
 * (plain `policy/rule: message` strings). Stateless and thread-safe.
 */
public final class DecisionJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private DecisionJson() {}

  public static ObjectNode toJson(Decision d) {
    ObjectNode root = F.objectNode();
    root.put("decision", d.verdict().id());
    root.put("phase", d.phase().id());
    ObjectNode scopes = root.putObject("scopes");
    d.requested().forEach(scopes.putArray("requested")::add);
    d.granted().forEach(scopes.putArray("granted")::add);
    ArrayNode rules = root.putArray("rules");
    for (RuleRef r : d.rules()) {
      rules.addObject().put("policy", r.policy()).put("version", r.version()).put("rule", r.rule())
          .put("effect", r.effect().id()).put("scope", r.scope());
    }
    if (!d.approvals().isEmpty()) {
      ArrayNode approvals = root.putArray("approvals");
      for (RequiredApproval a : d.approvals()) {
        ObjectNode o = approvals.addObject().put("policy", a.policy()).put("version", a.version()).put("rule", a.rule())
            .put("ttlSeconds", a.approval().ttl().toSeconds()).put("reuse", a.approval().reuse().id());
        a.approval().approvers().forEach(o.putArray("approvers")::add);
      }
    }
    ArrayNode reasons = root.putArray("reasons");
    d.reasons().forEach(r -> reasons.add(r.id()));
    root.putObject("policySet").put("name", d.policySet().name()).put("version", d.policySet().version())
        .put("sha256", d.policySet().sha256());
    ArrayNode evaluated = root.putArray("evaluated");
    for (RuleEvaluation e : d.evaluated()) {
      ObjectNode o = evaluated.addObject().put("policy", e.policy()).put("version", e.version()).put("rule", e.rule())
          .put("effect", e.effect().id()).put("outcome", e.outcome().id());
      if (e.deferred()) {
        o.put("deferred", true);
      }
      e.error().ifPresent(msg -> o.put("error", msg));
    }
    ArrayNode errors = root.putArray("errors");
    for (EvaluationError e : d.errors()) {
      errors.addObject().put("policy", e.policy()).put("version", e.version()).put("rule", e.rule()).put("at", e.at())
          .put("message", e.message());
    }
    root.put("evaluationMicros", d.evaluationMicros());
    return root;
  }

  /**
   * Reads a decision written by {@link #toJson}.
   *
   * @throws IllegalArgumentException when a field holds a value no version wrote (an unknown
   *     decision, effect, outcome, reason code or approval setting)
   */
  public static Decision fromJson(JsonNode node) {
    List<RuleRef> rules = new ArrayList<>();
    node.path("rules").forEach(r -> rules.add(new RuleRef(r.path("policy").asText(), r.path("version").asInt(),
        r.path("rule").asText(), effect(r.path("effect").asText()), r.path("scope").asText())));
    List<RequiredApproval> approvals = new ArrayList<>();
    node.path("approvals").forEach(a -> approvals.add(new RequiredApproval(a.path("policy").asText(),
        a.path("version").asInt(), a.path("rule").asText(), approval(a))));
    List<ReasonCode> reasons = new ArrayList<>();
    node.path("reasons").forEach(r -> reasons.add(reason(r.asText())));
    List<RuleEvaluation> evaluated = new ArrayList<>();
    node.path("evaluated").forEach(e -> evaluated.add(new RuleEvaluation(e.path("policy").asText(), e.path("version").asInt(),
        e.path("rule").asText(), effect(e.path("effect").asText()), outcome(e.path("outcome").asText()),
        e.hasNonNull("error") ? Optional.of(e.path("error").asText()) : Optional.empty())));
    List<EvaluationError> errors = new ArrayList<>();
    node.path("errors").forEach(e -> errors.add(e.isTextual() ? legacyError(e.asText())
        : new EvaluationError(e.path("policy").asText(), e.path("version").asInt(), e.path("rule").asText(),
            e.path("at").asText(""), e.path("message").asText())));
    JsonNode set = node.path("policySet");
    return new Decision(verdict(node.path("decision").asText("deny")), Phase.fromId(node.path("phase").asText()),
        strings(node.at("/scopes/requested")), strings(node.at("/scopes/granted")), rules, approvals, reasons, evaluated, errors,
        new PolicySetRef(set.path("name").asText(""), set.path("version").asInt(0), set.path("sha256").asText("")),
        node.path("evaluationMicros").asLong(0));
  }

  public static String toPrettyString(Decision d) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(toJson(d));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("decision cannot be written as json", e);
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asText()));
    return out;
  }

  private static Effect effect(String id) {
    for (Effect e : Effect.values()) {
      if (e.id().equals(id)) {
        return e;
      }
    }
    throw new IllegalArgumentException("unknown effect `" + id + "`");
  }

  private static Verdict verdict(String id) {
    return Verdict.fromId(id).orElseThrow(() -> new IllegalArgumentException("unknown decision `" + id + "`"));
  }

  private static Approval approval(JsonNode a) {
    Approval.Reuse reuse = Approval.Reuse.fromId(a.path("reuse").asText())
        .orElseThrow(() -> new IllegalArgumentException("unknown approval reuse `" + a.path("reuse").asText() + "`"));
    return new Approval(Duration.ofSeconds(a.path("ttlSeconds").asLong()), reuse, strings(a.path("approvers")));
  }

  private static RuleEvaluation.Outcome outcome(String id) {
    try {
      return RuleEvaluation.Outcome.valueOf(id.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown rule outcome `" + id + "`", e);
    }
  }

  private static ReasonCode reason(String id) {
    try {
      return ReasonCode.valueOf(id.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown reason code `" + id + "`", e);
    }
  }

  /** `policy/rule: message`, as errors were written before they carried their place. */
  private static EvaluationError legacyError(String text) {
    int colon = text.indexOf(": ");
    String head = colon < 0 ? "" : text.substring(0, colon);
    int slash = head.indexOf('/');
    if (slash < 0) {
      return new EvaluationError("", 0, "", "", text);
    }
    return new EvaluationError(head.substring(0, slash), 0, head.substring(slash + 1), "", text.substring(colon + 2));
  }
}

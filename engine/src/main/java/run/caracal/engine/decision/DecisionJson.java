package run.caracal.engine.decision;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON form of a decision and its explanation: what `caracal policy eval` prints and what
 * the ledger stores. Field names are a contract. Stateless and thread-safe.
 */
public final class DecisionJson {
  private static final JsonNodeFactory F = JsonNodeFactory.instance;
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private DecisionJson() {}

  public static ObjectNode toJson(Decision d) {
    ObjectNode root = F.objectNode();
    root.put("decision", d.effect().id());
    root.put("phase", d.phase().id());
    ObjectNode scopes = root.putObject("scopes");
    d.requested().forEach(scopes.putArray("requested")::add);
    d.granted().forEach(scopes.putArray("granted")::add);
    ArrayNode rules = root.putArray("rules");
    for (RuleRef r : d.rules()) {
      rules.addObject().put("policy", r.policy()).put("version", r.version()).put("rule", r.rule())
          .put("effect", r.effect().id()).put("scope", r.scope());
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
    d.errors().forEach(root.putArray("errors")::add);
    root.put("evaluationMicros", d.evaluationMicros());
    return root;
  }

  public static String toPrettyString(Decision d) {
    try {
      return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(toJson(d));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("decision cannot be written as json", e);
    }
  }
}

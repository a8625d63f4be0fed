package run.caracal.cli.audit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the ledger says about one request, read from its events (the server's JSON): the
 * deciding event (a `gateway.decision`, else the STS `authorization`), the Gateway's
 * `gateway.result` when there is one, and the facts `caracal explain` prints. Tolerates missing
 * fields: events written by other versions or other services still explain as far as they go.
 */
record RequestReport(
    String requestId,
    Optional<JsonNode> decisionEvent,
    Optional<JsonNode> gatewayDecision,
    Optional<JsonNode> gatewayResult,
    List<JsonNode> events) {

  RequestReport {
    events = List.copyOf(events);
  }

  static RequestReport of(String requestId, JsonNode events) {
    List<JsonNode> all = new ArrayList<>();
    events.forEach(all::add);
    Optional<JsonNode> gateway = last(all, "gateway.decision");
    Optional<JsonNode> authorization = last(all, "authorization");
    return new RequestReport(requestId, gateway.or(() -> authorization), gateway, last(all, "gateway.result"), all);
  }

  private static Optional<JsonNode> last(List<JsonNode> events, String type) {
    JsonNode found = null;
    for (JsonNode e : events) {
      if (type.equals(e.path("type").asText())) {
        found = e;
      }
    }
    return Optional.ofNullable(found);
  }

  /** The deciding event's explanation object (missing when there is none). */
  JsonNode explanation() {
    return decisionEvent.map(e -> e.path("explanation")).orElse(MissingNode.getInstance());
  }

  /** The engine's decision JSON inside the explanation. */
  JsonNode decision() {
    return explanation().path("decision");
  }

  String finalDecision() {
    return decisionEvent.map(e -> e.path("decision").asText("none")).orElse("none");
  }

  String appId() {
    return first(field("app"), explanation().at("/principal/app").asText(""));
  }

  String appName() {
    return explanation().at("/principal/name").asText("");
  }

  String zone() {
    return first(field("zone"), explanation().at("/principal/zone").asText(""));
  }

  String sessionId() {
    return first(field("session_id"), explanation().at("/session/id").asText(""));
  }

  String resource() {
    JsonNode r = explanation().path("resource");
    return first(field("resource"), r.isObject() ? r.path("id").asText("") : r.asText(""));
  }

  /** Reason codes: the engine's, then any the service recorded beside them (Gateway, STS). */
  List<String> reasons() {
    Set<String> out = new LinkedHashSet<>();
    decision().path("reasons").forEach(r -> out.add(r.asText()));
    explanation().path("reasons").forEach(r -> out.add(r.asText()));
    if (explanation().path("reason").isTextual()) {
      out.add(explanation().path("reason").asText());
    }
    if (explanation().path("resourceRegistered").asBoolean(true) == false) {
      out.add("unknown_resource");
    }
    gatewayResult.map(e -> e.path("explanation").path("reason")).filter(JsonNode::isTextual)
        .ifPresent(r -> out.add(r.asText()));
    out.remove("");
    return List.copyOf(out);
  }

  /** Whether the Gateway's forwarded call failed upstream: a 5xx or a timeout. */
  boolean upstreamFailed() {
    if (gatewayResult.isEmpty()) {
      return false;
    }
    JsonNode x = gatewayResult.get().path("explanation");
    int upstream = x.path("upstream_status").asInt(0);
    JsonNode status = x.path("status");
    String text = status.asText("").toLowerCase(java.util.Locale.ROOT);
    return upstream >= 500 || (status.isNumber() && (status.asInt() == 502 || status.asInt() == 504))
        || text.contains("timeout") || text.contains("error") || text.contains("unreachable") || text.contains("refused")
        || x.path("reason").asText("").startsWith("upstream_");
  }

  /** The layer to fix, most fundamental first; {@link FixLayer#NONE} for allowed, healthy requests. */
  FixLayer layer() {
    if (upstreamFailed()) {
      return FixLayer.UPSTREAM;
    }
    if (decisionEvent.isEmpty()) {
      return FixLayer.UNKNOWN;
    }
    if (finalDecision().equals("allow")) {
      return FixLayer.NONE;
    }
    FixLayer best = FixLayer.UNKNOWN;
    for (String reason : reasons()) {
      FixLayer layer = Reasons.layer(reason);
      if (layer != FixLayer.NONE && layer.ordinal() < best.ordinal()) {
        best = layer;
      }
    }
    return best;
  }

  /** The first reason that points at {@code layer}. */
  Optional<String> reasonFor(FixLayer layer) {
    return reasons().stream().filter(r -> Reasons.layer(r) == layer).findFirst();
  }

  private String field(String name) {
    return decisionEvent.map(e -> e.path(name).asText("")).orElse("");
  }

  private static String first(String a, String b) {
    return a.isEmpty() ? b : a;
  }
}

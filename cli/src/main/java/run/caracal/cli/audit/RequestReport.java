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
 * `gateway.result` when there is one, and the facts `caracal explain` prints; for a Gateway
 * call, the STS `authorization` event that issued its token ({@code issue}, joined by token
 * fingerprint) fills in what the Gateway does not record (application name, session depth).
 * Tolerates missing fields: events written by other versions or services explain as far as
 * they go.
 */
record RequestReport(
    String requestId,
    Optional<JsonNode> decisionEvent,
    Optional<JsonNode> gatewayDecision,
    Optional<JsonNode> gatewayResult,
    Optional<JsonNode> issue,
    List<JsonNode> events) {

  RequestReport {
    events = List.copyOf(events);
  }

  static RequestReport of(String requestId, JsonNode events) {
    List<JsonNode> all = new ArrayList<>();
    events.forEach(all::add);
    Optional<JsonNode> gateway = last(all, "gateway.decision");
    Optional<JsonNode> authorization = last(all, "authorization");
    return new RequestReport(requestId, gateway.or(() -> authorization), gateway, last(all, "gateway.result"),
        Optional.empty(), all);
  }

  /** The token fingerprint of the Gateway call, when it was made with a token. */
  Optional<String> gatewayToken() {
    return gatewayDecision.map(e -> e.path("token_fp").asText("")).filter(t -> !t.isEmpty());
  }

  /** This report with the `authorization` event that issued the Gateway call's token, found in {@code timeline}. */
  RequestReport withIssueFrom(JsonNode timeline) {
    Optional<String> token = gatewayToken();
    if (token.isEmpty()) {
      return this;
    }
    JsonNode found = null;
    for (JsonNode e : timeline) {
      if (e.path("type").asText().equals("authorization") && token.get().equals(e.path("token_fp").asText())) {
        found = e;
      }
    }
    return new RequestReport(requestId, decisionEvent, gatewayDecision, gatewayResult, Optional.ofNullable(found), events);
  }

  /** The session as recorded: the deciding event's, or the issuing event's when that has more. */
  JsonNode session() {
    JsonNode own = explanation().path("session");
    if (own.has("depth") || issue.isEmpty()) {
      return own;
    }
    JsonNode issued = issue.get().path("explanation").path("session");
    return issued.path("id").asText("").equals(sessionId()) ? issued : own;
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
    return first(explanation().at("/principal/name").asText(""),
        issue.map(e -> e.at("/explanation/principal/name").asText("")).orElse(""));
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
    if (!explanation().path("resourceRegistered").asBoolean(true)) {
      out.add("unknown_resource");
    }
    out.addAll(resultReasons());
    out.remove("");
    return List.copyOf(out);
  }

  /** The Gateway result's outcome or reason when the forwarded call did not complete. */
  List<String> resultReasons() {
    if (gatewayResult.isEmpty()) {
      return List.of();
    }
    JsonNode x = gatewayResult.get().path("explanation");
    List<String> out = new ArrayList<>();
    for (String field : List.of("outcome", "reason")) {
      String v = x.path(field).isTextual() ? x.path(field).asText() : "";
      if (!v.isEmpty() && !v.equals("completed") && !v.equals("ok")) {
        out.add(v);
      }
    }
    return out;
  }

  /** Whether the Gateway's forwarded call failed upstream: a 5xx, a timeout, a broken-off response. */
  boolean upstreamFailed() {
    if (gatewayResult.isEmpty()) {
      return false;
    }
    List<String> reasons = resultReasons();
    if (reasons.stream().anyMatch(r -> Reasons.layer(r) == FixLayer.RESOURCE_ROUTING)) {
      return false;
    }
    JsonNode x = gatewayResult.get().path("explanation");
    JsonNode status = x.path("status");
    String text = status.isTextual() ? status.asText().toLowerCase(java.util.Locale.ROOT) : "";
    return x.path("upstream_status").asInt(0) >= 500
        || (status.isNumber() && (status.asInt() == 502 || status.asInt() == 504))
        || text.contains("timeout") || text.contains("error") || text.contains("unreachable")
        || reasons.stream().anyMatch(r -> Reasons.layer(r) == FixLayer.UPSTREAM);
  }

  /** The layer to fix, most fundamental first; {@link FixLayer#NONE} for allowed, healthy requests. */
  FixLayer layer() {
    if (upstreamFailed()) {
      return FixLayer.UPSTREAM;
    }
    if (decisionEvent.isEmpty()) {
      return FixLayer.UNKNOWN;
    }
    boolean allowed = finalDecision().equals("allow");
    FixLayer best = FixLayer.UNKNOWN;
    for (String reason : allowed ? resultReasons() : reasons()) {
      FixLayer layer = Reasons.layer(reason);
      if (layer != FixLayer.NONE && layer.ordinal() < best.ordinal()) {
        best = layer;
      }
    }
    if (allowed && best == FixLayer.UNKNOWN && resultReasons().isEmpty()) {
      return FixLayer.NONE;
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

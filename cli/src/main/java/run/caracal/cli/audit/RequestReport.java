package run.caracal.cli.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import run.caracal.decision.DecisionRecord;
import run.caracal.decision.DecisionRecordJson;
import run.caracal.engine.decision.Decision;

/**
 * What the ledger says about one request, read from its events (the server's JSON): the
 * deciding event (a `gateway.decision`, else the STS `authorization`) and its
 * {@link DecisionRecord}, the Gateway's `gateway.result` when there is one, and, for a Gateway
 * call, the STS `authorization` event that issued its token ({@code issue}, joined by token
 * fingerprint), which fills in what an older Gateway record did not keep (application name,
 * session depth). Records of every version read through {@link DecisionRecordJson}.
 */
record RequestReport(
    String requestId,
    Optional<JsonNode> decisionEvent,
    Optional<DecisionRecord> record,
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
    Optional<JsonNode> deciding = gateway.or(() -> last(all, "authorization"));
    return new RequestReport(requestId, deciding, deciding.flatMap(RequestReport::read), gateway, last(all, "gateway.result"),
        Optional.empty(), all);
  }

  /** The record an event holds; empty when it holds none this reader knows. */
  static Optional<DecisionRecord> read(JsonNode event) {
    try {
      return Optional.of(DecisionRecordJson.read(event));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
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
    return new RequestReport(requestId, decisionEvent, record, gatewayDecision, gatewayResult, Optional.ofNullable(found), events);
  }

  /** The record of the `authorization` event that issued the Gateway call's token. */
  Optional<DecisionRecord> issueRecord() {
    return issue.flatMap(RequestReport::read);
  }

  /** The session as recorded: the deciding record's, or the issuing record's when that has more. */
  Optional<DecisionRecord.SessionRef> session() {
    Optional<DecisionRecord.SessionRef> own = record.flatMap(DecisionRecord::session);
    if (own.isPresent() && !own.get().root().isEmpty()) {
      return own;
    }
    Optional<DecisionRecord.SessionRef> issued = issueRecord().flatMap(DecisionRecord::session)
        .filter(s -> s.id().equals(sessionId()));
    return issued.isPresent() ? issued : own;
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

  /** The engine's decision, when the request reached the engine. */
  Optional<Decision> decision() {
    return record.flatMap(DecisionRecord::decision);
  }

  String finalDecision() {
    return decisionEvent.map(e -> e.path("decision").asText("none")).orElse("none");
  }

  String appId() {
    return first(field("app"), record.flatMap(DecisionRecord::app).map(DecisionRecord.AppRef::id).orElse(""));
  }

  String appName() {
    return first(record.flatMap(DecisionRecord::app).map(DecisionRecord.AppRef::name).orElse(""),
        issueRecord().flatMap(DecisionRecord::app).map(DecisionRecord.AppRef::name).orElse(""));
  }

  String zone() {
    return first(field("zone"), record.map(DecisionRecord::zone).orElse(""));
  }

  String sessionId() {
    return first(field("session_id"), record.flatMap(DecisionRecord::session).map(DecisionRecord.SessionRef::id).orElse(""));
  }

  String resource() {
    return first(field("resource"), record.map(DecisionRecord::resource).orElse(""));
  }

  /** Reason codes: the engine's, then the refusal's, then the Gateway result's. */
  List<String> reasons() {
    Set<String> out = new LinkedHashSet<>();
    decision().ifPresent(d -> d.reasons().forEach(r -> out.add(r.id())));
    record.flatMap(DecisionRecord::refusal).ifPresent(r -> out.add(r.reason()));
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
    String text = status.isTextual() ? status.asText().toLowerCase(Locale.ROOT) : "";
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

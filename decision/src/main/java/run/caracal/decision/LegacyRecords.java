package run.caracal.decision;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import run.caracal.decision.DecisionRecord.AppRef;
import run.caracal.decision.DecisionRecord.Call;
import run.caracal.decision.DecisionRecord.Refusal;
import run.caracal.decision.DecisionRecord.SessionRef;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionJson;
import run.caracal.engine.decision.Phase;
import run.caracal.engine.decision.ReasonCode;

/**
 * Reads the decision events written before records were versioned (the free-form explanations
 * of the STS `authorization` and the Gateway `gateway.decision` events) as a {@link DecisionRecord}
 * of version 0: everything they said, and no input (they did not keep one, so they cannot be
 * replayed). Stateless.
 */
final class LegacyRecords {
  private LegacyRecords() {}

  static DecisionRecord read(JsonNode event, JsonNode x) {
    boolean gateway = DecisionRecordJson.type(event).equals("gateway.decision");
    Phase phase = gateway ? Phase.REQUEST : Phase.ISSUE;
    String appId = text(event, "app", x.at("/principal/app").asText(""));
    Optional<AppRef> app = appId.isEmpty() ? Optional.empty()
        : Optional.of(new AppRef(appId, x.at("/principal/name").asText(""), text(event, "zone", x.at("/principal/zone").asText(""))));
    String sessionId = text(event, "session_id", x.at("/session/id").asText(""));
    JsonNode s = x.path("session");
    Optional<SessionRef> session = sessionId.isEmpty() ? Optional.empty()
        : Optional.of(new SessionRef(sessionId, root(s, sessionId), s.path("depth").asInt(0), s.path("oneShot").asBoolean(false),
            List.of()));
    JsonNode r = x.path("resource");
    String resource = text(event, "resource", r.isTextual() ? r.asText() : x.path("resources").path(0).asText(""));
    JsonNode http = x.has("method") ? x : x.path("request");
    Call call = gateway ? Call.http(http.path("method").asText(""), http.path("path").asText(""))
        : Call.grant(x.path("grantType").asText(""));
    Optional<Decision> decision = engineDecision(x.path("decision"));
    Optional<Refusal> refusal = refusal(event, x, gateway, decision);
    if (decision.isEmpty() && refusal.isEmpty()) {
      refusal = Optional.of(new Refusal(Stage.REQUEST, "", 0));
    }
    return new DecisionRecord(0, event.path("request_id").asText(""), event.path("trace_id").asText(""), phase,
        DecisionRecordJson.instant(event.path("occurred_at").asText()), text(event, "zone", x.at("/principal/zone").asText("")), app, session, resource, call, Optional.empty(), decision,
        refusal, Optional.empty());
  }

  /** The engine's decision, when the explanation holds one (not the placeholder of a refusal). */
  private static Optional<Decision> engineDecision(JsonNode d) {
    if (!d.isObject()) {
      return Optional.empty();
    }
    List<String> reasons = new ArrayList<>();
    d.path("reasons").forEach(r -> reasons.add(r.asText()));
    boolean engineReasons = reasons.stream().allMatch(id -> {
      try {
        ReasonCode.valueOf(id.toUpperCase(Locale.ROOT));
        return true;
      } catch (IllegalArgumentException e) {
        return false;
      }
    });
    if (!engineReasons) {
      return Optional.empty();
    }
    try {
      return Optional.of(DecisionJson.fromJson(d));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private static Optional<Refusal> refusal(JsonNode event, JsonNode x, boolean gateway, Optional<Decision> decision) {
    String reason;
    int status;
    if (gateway) {
      reason = x.path("reason").asText("");
      status = x.path("status").asInt(0);
    } else if (x.has("refused")) {
      reason = x.at("/refused/reason").asText("");
      status = Reason.fromId(reason).map(Reason::oauthStatus).orElse(400);
    } else if (!x.path("resourceRegistered").asBoolean(true)) {
      reason = Reason.UNKNOWN_RESOURCE.id();
      status = Reason.UNKNOWN_RESOURCE.oauthStatus();
    } else if (decision.isPresent() && !decision.get().allowed()) {
      reason = decision.get().reasons().isEmpty() ? "" : decision.get().reasons().get(0).id();
      status = 403;
    } else {
      return Optional.empty();
    }
    if (reason.isEmpty() && !event.path("decision").asText("").equals("deny")) {
      return Optional.empty();
    }
    Stage stage = Reason.fromId(reason).map(Reason::stage).orElse(Stage.REQUEST);
    return Optional.of(new Refusal(stage, reason, status));
  }

  /** The root as recorded; a session recorded at depth 0 is its own root; empty when unknown. */
  private static String root(JsonNode session, String id) {
    String root = session.path("root").asText("");
    return root.isEmpty() && session.has("depth") && session.path("depth").asInt() == 0 ? id : root;
  }

  private static String text(JsonNode event, String field, String fallback) {
    String v = event.path(field).asText("");
    return v.isEmpty() ? fallback : v;
  }
}

package run.caracal.server.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.security.PublicKey;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import run.caracal.control.db.Json;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.event.LedgerEvent;
import run.caracal.ledger.verify.Finding;
import run.caracal.ledger.verify.VerificationReport;

/**
 * JSON shapes of ledger records in the admin API: snake_case, absent fields as null, the
 * explanation as the JSON object it holds (the text itself when it is not JSON).
 */
final class LedgerViews {
  private LedgerViews() {}

  static List<Map<String, Object>> events(List<AppendedEvent> events) {
    return events.stream().map(LedgerViews::event).toList();
  }

  static Map<String, Object> event(AppendedEvent recorded) {
    LedgerEvent e = recorded.event();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", e.id());
    out.put("type", e.type());
    out.put("decision", e.decision().wire());
    out.put("occurred_at", e.occurredAt().toString());
    out.put("request_id", orNull(e.requestId()));
    out.put("trace_id", orNull(e.traceId()));
    out.put("session_id", orNull(e.sessionId()));
    out.put("token_fp", orNull(e.tokenFingerprint()));
    out.put("zone", orNull(e.zone()));
    out.put("app", orNull(e.app()));
    out.put("resource", orNull(e.resource()));
    out.put("actor", orNull(e.actor()));
    out.put("explanation", explanation(e.explanation()));
    out.put("chain_id", recorded.chainId());
    out.put("seq", recorded.seq());
    out.put("hash", recorded.hash());
    return out;
  }

  static Map<String, Object> report(VerificationReport report) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("ok", report.ok());
    out.put("chains", report.chains());
    out.put("events", report.events());
    out.put("checkpoints", report.checkpoints());
    out.put("findings", report.findings().stream().map(LedgerViews::finding).toList());
    out.put("summary", report.summary());
    return out;
  }

  static String pem(PublicKey key) {
    return "-----BEGIN PUBLIC KEY-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(key.getEncoded())
        + "\n-----END PUBLIC KEY-----\n";
  }

  private static Map<String, Object> finding(Finding f) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("code", f.code());
    out.put("chain_id", orNull(f.chainId()));
    out.put("seq", f.seq());
    out.put("message", f.message());
    return out;
  }

  private static Object explanation(String text) {
    if (text.isEmpty()) {
      return null;
    }
    try {
      JsonNode node = Json.MAPPER.readTree(text);
      return node == null ? text : node;
    } catch (JsonProcessingException e) {
      return text;
    }
  }

  private static String orNull(String value) {
    return value.isEmpty() ? null : value;
  }
}

package run.caracal.ledger.event;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import run.caracal.ledger.LedgerException;

/**
 * Keeps secrets and raw tokens out of the ledger; applied by {@code Ledger.append} to every
 * event before it is queued.
 *
 * <ul>
 *   <li>Plain text fields (ids, zone, app, resource, actor) holding a JWT or a
 *       {@code Bearer ...} credential are rejected with {@code secret_in_field}.
 *   <li>In the explanation, the value of every secret-bearing key (see {@link #isSecretKey}) and
 *       every string that looks like a JWT or a bearer credential, at any depth, is replaced by
 *       {@code "[redacted fp:<fingerprint>]"} (a {@link Fingerprint}; non-string values become
 *       {@code "[redacted]"}). An explanation with nothing to redact is stored byte for byte.
 *   <li>An explanation that is not a JSON object is rejected with {@code invalid_explanation}.
 * </ul>
 *
 * Stateless and thread-safe.
 */
public final class SecretGuard {
  private static final JsonFactory JSON = new JsonFactory();
  private static final ObjectMapper MAPPER = new ObjectMapper(JSON);
  private static final Pattern JWT =
      Pattern.compile("eyJ[A-Za-z0-9_-]{4,}\\.[A-Za-z0-9_-]*\\.[A-Za-z0-9_-]*");
  private static final Pattern BEARER = Pattern.compile("(?i)(bearer|basic)\\s+\\S{8,}.*");
  private static final Set<String> SECRET_KEYS = Set.of(
      "token", "accesstoken", "refreshtoken", "idtoken", "subjecttoken", "actortoken",
      "sessiontoken", "resourcetoken", "bearer", "authorization", "proxyauthorization",
      "cookie", "setcookie", "secret", "clientsecret", "appsecret", "password", "apikey",
      "privatekey", "assertion", "clientassertion", "credential", "credentials");

  private SecretGuard() {}

  /**
   * Returns {@code event} with its explanation redacted as described above.
   *
   * @throws LedgerException {@code secret_in_field} or {@code invalid_explanation}
   */
  public static LedgerEvent guard(LedgerEvent event) {
    checkField("id", event.id());
    checkField("request_id", event.requestId());
    checkField("trace_id", event.traceId());
    checkField("session_id", event.sessionId());
    checkField("zone", event.zone());
    checkField("app", event.app());
    checkField("resource", event.resource());
    checkField("actor", event.actor());
    String explanation = event.explanation();
    if (explanation.isEmpty()) {
      return event;
    }
    String redacted = redact(explanation);
    return redacted.equals(explanation) ? event : event.withExplanation(redacted);
  }

  /** Whether a JSON key names a secret-bearing value (case, {@code -} and {@code _} ignored). */
  public static boolean isSecretKey(String key) {
    String k = normalizedKey(key);
    if (k.endsWith("fp") || k.endsWith("fingerprint") || k.endsWith("hash")) {
      return false;
    }
    return SECRET_KEYS.contains(k) || k.endsWith("token") || k.endsWith("secret")
        || k.endsWith("password");
  }

  /** Whether a string value looks like a credential (JWT or {@code Bearer}/{@code Basic}). */
  public static boolean looksLikeCredential(String value) {
    // Every value of every event passes here: the regexes run only on strings that can match them.
    if (value.length() < 12) {
      return false;
    }
    boolean scheme = value.regionMatches(true, 0, "bearer", 0, 6) || value.regionMatches(true, 0, "basic", 0, 5);
    return (value.contains("eyJ") && JWT.matcher(value).find()) || (scheme && BEARER.matcher(value).matches());
  }

  /** The key in lower case without {@code _} and {@code -}; the key itself when it has none. */
  private static String normalizedKey(String key) {
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (c == '_' || c == '-' || (c >= 'A' && c <= 'Z') || c > 127) {
        return key.toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
      }
    }
    return key;
  }

  private static void checkField(String field, String value) {
    if (!value.isEmpty() && looksLikeCredential(value)) {
      throw new LedgerException("secret_in_field", "`" + field + "` holds a credential");
    }
  }

  private static String redact(String json) {
    try {
      if (!needsRedaction(json)) {
        return json;
      }
      JsonNode root = MAPPER.readTree(json);
      walk(root);
      return MAPPER.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new LedgerException("invalid_explanation", "explanation is not valid json");
    } catch (IOException e) {
      throw new LedgerException("invalid_explanation", "explanation is not readable");
    }
  }

  /** Streaming pre-scan so the common case (nothing secret) costs one parse, no tree. */
  private static boolean needsRedaction(String json) throws IOException {
    boolean found = false;
    try (JsonParser p = JSON.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new LedgerException("invalid_explanation", "explanation is not a json object");
      }
      int depth = 1;
      while (depth > 0) {
        JsonToken t = p.nextToken();
        if (t == null) {
          throw new LedgerException("invalid_explanation", "explanation is not valid json");
        }
        switch (t) {
          case START_OBJECT, START_ARRAY -> depth++;
          case END_OBJECT, END_ARRAY -> depth--;
          case FIELD_NAME -> found |= isSecretKey(p.currentName());
          case VALUE_STRING -> found |= looksLikeCredential(p.getText());
          default -> { }
        }
      }
      if (p.nextToken() != null) {
        throw new LedgerException("invalid_explanation", "explanation has trailing content");
      }
    }
    return found;
  }

  private static void walk(JsonNode node) {
    if (node instanceof ObjectNode object) {
      Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
      while (fields.hasNext()) {
        Map.Entry<String, JsonNode> field = fields.next();
        JsonNode value = field.getValue();
        if (isSecretKey(field.getKey()) && !value.isNull()) {
          field.setValue(mask(value));
        } else if (value.isTextual() && looksLikeCredential(value.textValue())) {
          field.setValue(mask(value));
        } else {
          walk(value);
        }
      }
    } else if (node instanceof ArrayNode array) {
      for (int i = 0; i < array.size(); i++) {
        JsonNode value = array.get(i);
        if (value.isTextual() && looksLikeCredential(value.textValue())) {
          array.set(i, mask(value));
        } else {
          walk(value);
        }
      }
    }
  }

  private static JsonNode mask(JsonNode value) {
    if (value.isTextual() && value.textValue().startsWith("[redacted")) {
      return value;
    }
    if (value.isTextual()) {
      return TextNode.valueOf("[redacted fp:" + Fingerprint.of(value.textValue()).value() + "]");
    }
    return TextNode.valueOf("[redacted]");
  }
}

package run.caracal.cli.console;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import run.caracal.cli.audit.Since;

/**
 * The audit view's filter, typed as {@code key=value} terms: {@code decision=deny app=ID
 * resource=ID type=gateway.* zone=NAME since=15m}. The same filters as `caracal audit list`;
 * `since` is kept as typed, so a relative one moves with every refresh.
 */
record AuditFilter(Map<String, String> terms) {
  static final List<String> KEYS = List.of("decision", "type", "app", "resource", "zone", "since");
  static final AuditFilter NONE = new AuditFilter(Map.of());

  AuditFilter {
    terms = Map.copyOf(terms);
  }

  /** Parses the typed filter; an IllegalArgumentException names what is wrong. Blank text is no filter. */
  static AuditFilter parse(String text, Instant now) {
    Map<String, String> terms = new LinkedHashMap<>();
    for (String term : text.strip().split("\\s+")) {
      if (term.isEmpty()) {
        continue;
      }
      int eq = term.indexOf('=');
      if (eq <= 0 || eq == term.length() - 1) {
        throw new IllegalArgumentException("`" + term + "` is not key=value; keys: " + String.join(", ", KEYS));
      }
      String key = term.substring(0, eq).toLowerCase(Locale.ROOT);
      String value = term.substring(eq + 1);
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException("unknown filter `" + key + "`; keys: " + String.join(", ", KEYS));
      }
      if (key.equals("decision") && !List.of("allow", "deny", "none").contains(value.toLowerCase(Locale.ROOT))) {
        throw new IllegalArgumentException("decision is allow, deny or none");
      }
      if (key.equals("since")) {
        try {
          Since.parse(value, now);
        } catch (RuntimeException e) {
          throw new IllegalArgumentException(e.getMessage(), e);
        }
      }
      terms.merge(key, key.equals("decision") ? value.toLowerCase(Locale.ROOT) : value, (a, b) -> key.equals("type") ? a + "," + b : b);
    }
    return new AuditFilter(terms);
  }

  boolean isEmpty() {
    return terms.isEmpty();
  }

  /** The query parameters for `GET /admin/v1/ledger/events`, `since` turned into `from` at {@code now}; starts with `&` when not empty. */
  String query(Instant now) {
    StringBuilder out = new StringBuilder();
    for (String key : KEYS) {
      String value = terms.get(key);
      if (value == null) {
        continue;
      }
      String param = key.equals("since") ? "from" : key;
      String v = key.equals("since") ? Since.parse(value, now).toString() : value;
      out.append('&').append(param).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8));
    }
    return out.toString();
  }

  /** The filter as the user would type it again, in a fixed key order. */
  String text() {
    StringBuilder out = new StringBuilder();
    for (String key : KEYS) {
      if (terms.containsKey(key)) {
        out.append(out.length() == 0 ? "" : " ").append(key).append('=').append(terms.get(key));
      }
    }
    return out.toString();
  }
}

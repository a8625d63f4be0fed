package run.caracal.sts.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import run.caracal.decision.Reason;
import run.caracal.sts.OAuthException;

/** An `application/x-www-form-urlencoded` body, keeping repeated parameters (RFC 8707 `resource`). */
public final class FormBody {
  private static final Pattern SPACES = Pattern.compile("\\s+");

  private static final int MAX_CHARS = 64 * 1024;
  private final Map<String, List<String>> values;

  private FormBody(Map<String, List<String>> values) {
    this.values = values;
  }

  public static FormBody parse(String body) {
    if (body != null && body.length() > MAX_CHARS) {
      throw OAuthException.of(Reason.REQUEST_TOO_LARGE, "request body is too large");
    }
    Map<String, List<String>> values = new LinkedHashMap<>();
    if (body != null && !body.isBlank()) {
      for (String pair : body.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        try {
          String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
          String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
          values.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
        } catch (IllegalArgumentException e) {
          throw OAuthException.of(Reason.MALFORMED_FORM, "request body is not valid form encoding");
        }
      }
    }
    return new FormBody(values);
  }

  /** A parameter that may appear at most once (RFC 6749 §3.2). */
  public Optional<String> single(String name) {
    List<String> v = values.get(name);
    if (v == null || v.isEmpty()) {
      return Optional.empty();
    }
    if (v.size() > 1) {
      throw OAuthException.of(Reason.PARAMETER_REPEATED, "parameter `" + name + "` must appear once");
    }
    return Optional.of(v.get(0)).filter(s -> !s.isEmpty());
  }

  public List<String> all(String name) {
    return values.getOrDefault(name, List.of()).stream().filter(s -> !s.isEmpty()).toList();
  }

  /** A numeric parameter. */
  public static long parseLong(String value) {
    try {
      return Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw OAuthException.of(Reason.INVALID_NUMBER, "`" + value + "` is not a number");
    }
  }

  /** Space-separated scopes. */
  public List<String> scopes() {
    return single("scope").map(s -> s.trim().isEmpty() ? List.<String>of() : List.of(SPACES.split(s.trim()))).orElse(List.of());
  }
}

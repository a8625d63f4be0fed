package run.caracal.decision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.protobuf.Message;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import run.caracal.engine.decision.DecisionInput;

/**
 * Turns a decision input into the {@link RecordedInput} the ledger keeps. Secrets are never
 * stored: credential headers (`authorization`, `cookie`, `proxy-authorization`, `set-cookie`,
 * any `x-caracal-*`) are always masked, and so is every value at a configured sensitive path.
 * A masked value is replaced by its fingerprint, `hmac:` and the first 16 bytes of
 * HMAC-SHA256 under the installation's key (base64url), so equal values still compare equal
 * across records without the value being guessable from the ledger. Paths are dot-separated
 * field names as policies write them; `*` matches any one key (`request.body.cards.*.number`).
 * Immutable and thread-safe.
 */
public final class InputMasker {
  /** Paths masked unless configured otherwise: common credential headers and query parameters. */
  public static final List<String> DEFAULT_PATHS = List.of(
      "request.headers.x-api-key", "request.headers.api-key", "request.headers.x-auth-token",
      "request.query.access_token", "request.query.api_key");
  private static final List<String> CREDENTIAL_HEADERS = List.of("authorization", "cookie", "proxy-authorization", "set-cookie");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final List<String[]> paths;
  private final SecretKeySpec key;

  /**
   * @param paths the sensitive paths
   * @param key the fingerprint key (at least 16 bytes; keep it secret and stable per installation)
   */
  public InputMasker(List<String> paths, byte[] key) {
    Objects.requireNonNull(key, "key");
    if (key.length < 16) {
      throw new IllegalArgumentException("a masking key needs at least 16 bytes");
    }
    this.paths = paths.stream().map(String::strip).filter(p -> !p.isEmpty()).map(p -> p.split("\\.")).toList();
    this.key = new SecretKeySpec(key.clone(), "HmacSHA256");
  }

  /** The input as recorded, masked. */
  public RecordedInput record(DecisionInput input) {
    return record(input, List.of());
  }

  /** The input as recorded, masked at the configured paths and at {@code extraPaths} (a resource's own). */
  public RecordedInput record(DecisionInput input, List<String> extraPaths) {
    ObjectNode root = MAPPER.createObjectNode();
    root.set("principal", tree(input.principal()));
    root.set("session", tree(input.session()));
    root.set("delegation", tree(input.delegation()));
    root.set("resource", tree(input.resource()));
    root.set("request", tree(input.request()));
    root.set("context", tree(input.context()));
    root.put("now", input.now().toString());
    root.put("scopeMatch", input.scopeMatch().id());
    List<String> masked = new ArrayList<>();
    JsonNode headers = root.path("request").path("headers");
    if (headers instanceof ObjectNode h) {
      List<String> names = new ArrayList<>();
      h.fieldNames().forEachRemaining(names::add);
      for (String name : names) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (CREDENTIAL_HEADERS.contains(lower) || lower.startsWith("x-caracal-")) {
          h.set(name, fingerprint(h.get(name)));
          masked.add("request.headers." + name);
        }
      }
    }
    for (String[] path : paths) {
      mask(root, path, 0, "", masked);
    }
    for (String path : extraPaths) {
      mask(root, path.split("\\."), 0, "", masked);
    }
    return new RecordedInput(root, masked.stream().distinct().sorted().toList());
  }

  private void mask(JsonNode node, String[] path, int i, String at, List<String> masked) {
    if (!(node instanceof ObjectNode object)) {
      return;
    }
    String segment = path[i];
    List<String> keys = new ArrayList<>();
    if (segment.equals("*")) {
      object.fieldNames().forEachRemaining(keys::add);
    } else if (object.has(segment)) {
      keys.add(segment);
    }
    for (String k : keys) {
      String here = at.isEmpty() ? k : at + "." + k;
      if (i == path.length - 1) {
        JsonNode value = object.get(k);
        if (!isFingerprint(value)) {
          object.set(k, fingerprint(value));
        }
        masked.add(here);
      } else {
        mask(object.get(k), path, i + 1, here, masked);
      }
    }
  }

  private static boolean isFingerprint(JsonNode value) {
    return value.isTextual() && value.asText().startsWith("hmac:") && value.asText().length() == 27;
  }

  private TextNode fingerprint(JsonNode value) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      byte[] digest = mac.doFinal((value.isTextual() ? value.asText() : value.toString()).getBytes(StandardCharsets.UTF_8));
      byte[] head = new byte[16];
      System.arraycopy(digest, 0, head, 0, head.length);
      return TextNode.valueOf("hmac:" + Base64.getUrlEncoder().withoutPadding().encodeToString(head));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("hmac-sha256 unavailable", e);
    }
  }

  private static JsonNode tree(Message message) {
    return ProtoJson.toTree(message);
  }


  /** The configured paths, as given. */
  public List<String> paths() {
    return paths.stream().map(p -> String.join(".", p)).toList();
  }
}

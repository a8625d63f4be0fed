package run.caracal.policy.model;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * The canonical form of a document: its YAML as JSON with object keys sorted, every scalar as
 * its string text (null as JSON null), no insignificant whitespace. Layout, comments and quoting
 * do not change it; content does. Its sha256 identifies a policy version. Thread-safe.
 */
public final class CanonicalForm {
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private CanonicalForm() {}

  public static String json(Node node) {
    try {
      return JSON.writeValueAsString(plain(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("canonical form cannot be written", e);
    }
  }

  /** Lowercase hex sha256 of the canonical JSON in UTF-8. */
  public static String sha256(Node node) {
    return sha256(json(node));
  }

  public static String sha256(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("sha-256 is not available", e);
    }
  }

  private static Object plain(Node node) {
    if (node instanceof MappingNode m) {
      Map<String, Object> out = new TreeMap<>();
      for (NodeTuple t : m.getValue()) {
        String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : json(t.getKeyNode());
        out.putIfAbsent(key, plain(t.getValueNode()));
      }
      return out;
    }
    if (node instanceof SequenceNode s) {
      List<Object> out = new ArrayList<>();
      s.getValue().forEach(n -> out.add(plain(n)));
      return out;
    }
    ScalarNode scalar = (ScalarNode) node;
    return scalar.getTag().equals(Tag.NULL) ? null : scalar.getValue();
  }
}

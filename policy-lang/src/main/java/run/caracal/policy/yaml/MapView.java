package run.caracal.policy.yaml;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;
import run.caracal.policy.diag.Code;
import run.caracal.policy.diag.Diagnostics;
import run.caracal.policy.source.Position;
import run.caracal.policy.source.SourceFile;

/**
 * A YAML mapping read with positions: typed getters report wrong types, unknown and duplicate
 * keys as diagnostics instead of throwing. Not thread-safe (it reports into one collector).
 */
public final class MapView {
  private final SourceFile file;
  private final MappingNode node;
  private final Diagnostics diagnostics;
  private final Map<String, NodeTuple> entries = new LinkedHashMap<>();

  private MapView(SourceFile file, MappingNode node, Diagnostics diagnostics) {
    this.file = file;
    this.node = node;
    this.diagnostics = diagnostics;
    for (NodeTuple tuple : node.getValue()) {
      if (!(tuple.getKeyNode() instanceof ScalarNode key)) {
        diagnostics.add(positionOf(file, tuple.getKeyNode()), Code.INVALID_TYPE, "mapping keys must be plain strings");
        continue;
      }
      if (entries.containsKey(key.getValue())) {
        diagnostics.add(positionOf(file, key), Code.DUPLICATE_KEY, "key `" + key.getValue() + "` appears twice");
        continue;
      }
      entries.put(key.getValue(), tuple);
    }
  }

  /** Views {@code node} as a mapping, or reports that {@code what} must be one. */
  public static Optional<MapView> of(SourceFile file, Node node, Diagnostics diagnostics, String what) {
    if (node instanceof MappingNode mapping) {
      return Optional.of(new MapView(file, mapping, diagnostics));
    }
    if (!isNull(node)) {
      diagnostics.add(positionOf(file, node), Code.INVALID_TYPE, what + " must be a mapping");
    }
    return Optional.empty();
  }

  public static Position positionOf(SourceFile file, Node node) {
    return YamlReader.positionOf(file, node.getStartMark());
  }

  public static boolean isNull(Node node) {
    return node == null || (node instanceof ScalarNode s && s.getTag().equals(Tag.NULL));
  }

  public SourceFile file() {
    return file;
  }

  public MappingNode node() {
    return node;
  }

  public Position position() {
    return positionOf(file, node);
  }

  public Set<String> keys() {
    return entries.keySet();
  }

  /** Reports every key outside {@code allowed} at the key itself. */
  public void requireKnownKeys(Set<String> allowed, String where) {
    for (Map.Entry<String, NodeTuple> e : entries.entrySet()) {
      if (!allowed.contains(e.getKey())) {
        diagnostics.add(positionOf(file, e.getValue().getKeyNode()), Code.UNKNOWN_KEY,
            "unknown key `" + e.getKey() + "` in " + where + " (expected one of " + String.join(", ", allowed.stream().sorted().toList()) + ")");
      }
    }
  }

  /** The value node of {@code key}; absent when missing or null. */
  public Optional<Node> get(String key) {
    NodeTuple t = entries.get(key);
    return t == null || isNull(t.getValueNode()) ? Optional.empty() : Optional.of(t.getValueNode());
  }

  /** Where {@code key} is written, or the mapping's own position when it is missing. */
  public Position keyPosition(String key) {
    NodeTuple t = entries.get(key);
    return t == null ? position() : positionOf(file, t.getKeyNode());
  }

  public Optional<ScalarText> string(String key) {
    return get(key).flatMap(n -> scalar(n, "`" + key + "`"));
  }

  public Optional<ScalarText> requiredString(String key, String where) {
    Optional<ScalarText> value = string(key);
    if (value.isEmpty() && get(key).isEmpty()) {
      diagnostics.add(position(), Code.MISSING_FIELD, "missing `" + key + "` in " + where);
    } else if (value.isPresent() && value.get().value().isBlank()) {
      diagnostics.add(value.get().start(), Code.MISSING_FIELD, "`" + key + "` must not be empty in " + where);
      return Optional.empty();
    }
    return value;
  }

  public Optional<MapView> map(String key) {
    return get(key).flatMap(n -> of(file, n, diagnostics, "`" + key + "`"));
  }

  /** The items of a sequence; a scalar where a list is expected is reported. */
  public List<Node> list(String key) {
    Optional<Node> value = get(key);
    if (value.isEmpty()) {
      return List.of();
    }
    if (value.get() instanceof SequenceNode seq) {
      return seq.getValue();
    }
    diagnostics.add(positionOf(file, value.get()), Code.INVALID_TYPE, "`" + key + "` must be a list");
    return List.of();
  }

  public List<ScalarText> stringList(String key) {
    List<ScalarText> out = new ArrayList<>();
    for (Node item : list(key)) {
      scalar(item, "items of `" + key + "`").ifPresent(out::add);
    }
    return List.copyOf(out);
  }

  /** A mapping of strings to strings, keys in file order. */
  public Map<String, ScalarText> stringMap(String key) {
    Map<String, ScalarText> out = new LinkedHashMap<>();
    map(key).ifPresent(view -> {
      for (Map.Entry<String, NodeTuple> e : view.entries.entrySet()) {
        scalar(e.getValue().getValueNode(), "values of `" + key + "`").ifPresent(v -> out.put(e.getKey(), v));
      }
    });
    return out;
  }

  /** A scalar's text with positions; null, mappings and lists are reported. */
  public Optional<ScalarText> scalar(Node node, String what) {
    if (node instanceof ScalarNode s && !s.getTag().equals(Tag.NULL)) {
      return Optional.of(new ScalarText(s.getValue(), file, s));
    }
    diagnostics.add(positionOf(file, node), Code.INVALID_TYPE, what + " must be a string");
    return Optional.empty();
  }
}

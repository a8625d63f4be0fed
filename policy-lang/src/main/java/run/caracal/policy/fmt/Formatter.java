package run.caracal.policy.fmt;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.comments.CommentLine;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import run.caracal.policy.source.SourceFile;
import run.caracal.policy.yaml.YamlReader;

/**
 * The one canonical layout of policy files: keys in the documented order, two-space indents,
 * block mappings, scalar lists in flow style, single-line strings unquoted where YAML allows,
 * multi-line strings as literal blocks, comments kept. Formatting is idempotent and never
 * changes a document's canonical form. Stateless and thread-safe.
 */
public final class Formatter {
  private static final List<String> KEY_ORDER = List.of(
      "apiVersion", "kind", "metadata", "spec",
      "name", "id", "description", "policySet", "policies", "resources", "variables",
      "effect", "scopes", "labels", "attributes", "upstream", "protocol", "operations", "tools", "mask_arguments",
      "when", "reason", "approval", "ttl", "reuse", "approvers", "method", "path", "scope", "input_schema", "decision", "rules",
      "reasons", "cases", "input", "expect");
  /** Mappings whose keys are the user's own (names, input fields): their order is kept. */
  private static final Set<String> USER_KEYED = Set.of("input", "variables", "labels", "attributes", "input_schema");

  /** The formatted text, or empty when the file is not valid YAML (lint reports why). */
  public Optional<String> format(SourceFile file) {
    List<Node> documents = new ArrayList<>();
    try {
      for (Node node : new Yaml(YamlReader.loaderOptions(true)).composeAll(new StringReader(file.text()))) {
        if (node != null) {
          documents.add(node);
        }
      }
    } catch (YAMLException | StackOverflowError e) {
      return Optional.empty();
    }
    Yaml dumper = new Yaml(dumperOptions());
    StringBuilder out = new StringBuilder();
    for (Node document : documents) {
      Node doc = normalize(document, false, true);
      if (out.length() > 0) {
        out.append("---\n");
      }
      StringWriter text = new StringWriter();
      dumper.serialize(doc, text);
      out.append(alignComments(text.toString()));
    }
    return Optional.of(out.toString());
  }

  /**
   * Indents each full-line comment like the line it precedes. SnakeYAML's emitter puts a comment
   * that follows a block scalar at column 0, which would move on every run.
   */
  static String alignComments(String text) {
    String[] lines = text.split("\n", -1);
    boolean[] inBlock = new boolean[lines.length];
    int parent = -1;
    for (int i = 0; i < lines.length; i++) {
      int indent = lines[i].length() - lines[i].stripLeading().length();
      if (parent >= 0 && (lines[i].isBlank() || indent > parent)) {
        inBlock[i] = true;
        continue;
      }
      parent = BLOCK_START.matcher(lines[i]).matches() ? indent : -1;
    }
    for (int i = lines.length - 1; i >= 0; i--) {
      String stripped = lines[i].stripLeading();
      if (inBlock[i] || !stripped.startsWith("#")) {
        continue;
      }
      int next = i + 1;
      while (next < lines.length && (lines[next].isBlank() || (!inBlock[next] && lines[next].stripLeading().startsWith("#")))) {
        next++;
      }
      if (next < lines.length) {
        int indent = lines[next].length() - lines[next].stripLeading().length();
        lines[i] = " ".repeat(indent) + stripped;
      }
    }
    return String.join("\n", lines);
  }

  /** A line whose value is a literal or folded block scalar (`key: |-`, `- >`). */
  private static final Pattern BLOCK_START =
      Pattern.compile(".*(:|^\\s*-)\\s+[|>][-+0-9]*\\s*(#.*)?$");

  private static DumperOptions dumperOptions() {
    DumperOptions options = new DumperOptions();
    options.setIndent(2);
    options.setIndicatorIndent(2);
    options.setIndentWithIndicator(true);
    options.setWidth(4096);
    options.setSplitLines(false);
    options.setProcessComments(true);
    options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
    options.setLineBreak(DumperOptions.LineBreak.UNIX);
    return options;
  }

  private static Node normalize(Node node, boolean inFlow, boolean reorder) {
    if (node instanceof MappingNode m) {
      List<NodeTuple> tuples = new ArrayList<>();
      for (NodeTuple t : m.getValue()) {
        boolean keepOrder = !reorder || (t.getKeyNode() instanceof ScalarNode k && USER_KEYED.contains(k.getValue()));
        tuples.add(new NodeTuple(normalize(t.getKeyNode(), inFlow, false), normalize(t.getValueNode(), inFlow, !keepOrder)));
      }
      if (reorder && !tuples.isEmpty()) {
        Node firstKey = tuples.get(0).getKeyNode();
        tuples.sort(Comparator.comparingInt(Formatter::rank));
        keepLeadingComments(firstKey, tuples.get(0).getKeyNode());
      }
      m.setValue(tuples);
      m.setFlowStyle(inFlow ? DumperOptions.FlowStyle.FLOW : DumperOptions.FlowStyle.BLOCK);
      return m;
    }
    if (node instanceof SequenceNode s) {
      boolean flow = inFlow || s.getValue().stream().allMatch(ScalarNode.class::isInstance);
      s.setFlowStyle(flow ? DumperOptions.FlowStyle.FLOW : DumperOptions.FlowStyle.BLOCK);
      s.getValue().replaceAll(n -> normalize(n, flow, reorder));
      return s;
    }
    ScalarNode scalar = (ScalarNode) node;
    ScalarNode restyled = new ScalarNode(scalar.getTag(), scalar.getValue(), scalar.getStartMark(),
        scalar.getEndMark(), styleOf(scalar));
    restyled.setBlockComments(scalar.getBlockComments());
    restyled.setInLineComments(scalar.getInLineComments());
    restyled.setEndComments(scalar.getEndComments());
    return restyled;
  }

  /** Comments above a mapping's first key belong to the mapping (a file header, a list item): they stay first. */
  private static void keepLeadingComments(Node oldFirst, Node newFirst) {
    if (oldFirst == newFirst || oldFirst.getBlockComments() == null || oldFirst.getBlockComments().isEmpty()) {
      return;
    }
    List<CommentLine> comments = new ArrayList<>(oldFirst.getBlockComments());
    if (newFirst.getBlockComments() != null) {
      comments.addAll(newFirst.getBlockComments());
    }
    newFirst.setBlockComments(comments);
    oldFirst.setBlockComments(null);
  }

  private static DumperOptions.ScalarStyle styleOf(ScalarNode scalar) {
    String value = scalar.getValue();
    if (value.contains("\n") && !value.endsWith(" ") && !value.contains("\t")) {
      return DumperOptions.ScalarStyle.LITERAL;
    }
    if (needsEscapes(value)) {
      return DumperOptions.ScalarStyle.DOUBLE_QUOTED;
    }
    if (!plainSafe(value)) {
      return value.contains("'") && !value.contains("\"") ? DumperOptions.ScalarStyle.DOUBLE_QUOTED
          : DumperOptions.ScalarStyle.SINGLE_QUOTED;
    }
    return DumperOptions.ScalarStyle.PLAIN;
  }

  /** Whether a value can be written unquoted (the emitter still quotes what YAML would misread). */
  private static boolean plainSafe(String value) {
    return !value.isEmpty()
        && "-?:,[]{}#&*!|>'\"%@`".indexOf(value.charAt(0)) < 0
        && !value.contains(": ") && !value.contains(" #") && !value.endsWith(":")
        && value.equals(value.strip());
  }

  private static boolean needsEscapes(String value) {
    return value.chars().anyMatch(c -> c < 0x20 || c == 0x7f);
  }

  private static int rank(NodeTuple t) {
    String key = t.getKeyNode() instanceof ScalarNode s ? s.getValue() : "";
    int i = KEY_ORDER.indexOf(key);
    return i < 0 ? KEY_ORDER.size() : i;
  }

}

package run.caracal.policy.yaml;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Node;
import run.caracal.policy.diag.Code;
import run.caracal.policy.diag.Diagnostic;
import run.caracal.policy.source.Position;
import run.caracal.policy.source.SourceFile;

/**
 * Reads the YAML documents of one file into node trees that keep every position. Aliases,
 * nesting depth and size are bounded so a hostile file cannot exhaust memory or stack.
 * Stateless and thread-safe.
 */
public final class YamlReader {
  /** Nodes of each document in file order, or the diagnostics that stopped reading. */
  public record Result(SourceFile file, List<Node> documents, List<Diagnostic> diagnostics) {
    public Result {
      documents = List.copyOf(documents);
      diagnostics = List.copyOf(diagnostics);
    }
  }

  private static final int MAX_NESTING = 64;
  private static final int MAX_ALIASES = 50;
  private static final int MAX_CODE_POINTS = 8 * 1024 * 1024;

  public static LoaderOptions loaderOptions(boolean comments) {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(true); // reported with a position by the parser instead
    options.setMaxAliasesForCollections(MAX_ALIASES);
    options.setNestingDepthLimit(MAX_NESTING);
    options.setCodePointLimit(MAX_CODE_POINTS);
    options.setAllowRecursiveKeys(false);
    options.setProcessComments(comments);
    return options;
  }

  public Result read(SourceFile file) {
    List<Node> documents = new ArrayList<>();
    List<Diagnostic> diagnostics = new ArrayList<>();
    Yaml yaml = new Yaml(loaderOptions(false));
    try {
      for (Node node : yaml.composeAll(new StringReader(file.text()))) {
        if (node != null) {
          documents.add(node);
        }
      }
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
      Position at = mark == null ? Position.startOf(file.name()) : positionOf(file, mark);
      diagnostics.add(new Diagnostic(at, Code.YAML_SYNTAX, describe(e)));
    } catch (YAMLException | StackOverflowError e) {
      diagnostics.add(new Diagnostic(Position.startOf(file.name()), Code.YAML_SYNTAX,
          oneLine(e.getMessage() == null ? "the file cannot be read as YAML" : e.getMessage())));
    }
    if (documents.isEmpty() && diagnostics.isEmpty()) {
      diagnostics.add(new Diagnostic(Position.startOf(file.name()), Code.EMPTY_FILE, "the file holds no documents"));
    }
    return new Result(file, documents, diagnostics);
  }

  static Position positionOf(SourceFile file, Mark mark) {
    return new Position(file.name(), mark.getLine() + 1, mark.getColumn() + 1);
  }

  private static String describe(MarkedYAMLException e) {
    String problem = e.getProblem() == null ? "invalid yaml" : e.getProblem();
    String context = e.getContext();
    return oneLine(context == null ? problem : problem + " (" + context + ")");
  }

  private static String oneLine(String s) {
    String flat = s.replaceAll("\\s+", " ").trim();
    return flat.isEmpty() ? flat : Character.toLowerCase(flat.charAt(0)) + flat.substring(1);
  }
}

package run.caracal.engine.testing;

import java.time.Instant;
import java.util.Optional;
import org.yaml.snakeyaml.nodes.Node;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.policy.testing.InputParser;
import run.caracal.policy.testing.ParsedInput;

/**
 * Reads a decision input written as YAML (a test case) or JSON (`policy eval --input`) into a
 * {@link DecisionInput}, with the caller's clock when the input gives no `now`. Parsing and its
 * errors are {@link InputParser}'s (shared with lint). Stateless and thread-safe.
 */
public final class InputReader {
  /** Thrown for input that does not match the schema; the message names the field. */
  public static final class InvalidInputException extends Exception {
    private final transient Optional<Node> node;

    InvalidInputException(InputParser.InvalidInputException cause) {
      super(cause.getMessage());
      this.node = cause.node();
    }

    /** The YAML node the problem is at, when known. */
    public Optional<Node> node() {
      return node;
    }
  }

  private final InputParser parser = new InputParser();

  public DecisionInput fromYaml(Node node, Instant defaultNow) throws InvalidInputException {
    try {
      return toDecision(parser.fromYaml(node), defaultNow);
    } catch (InputParser.InvalidInputException e) {
      throw new InvalidInputException(e);
    }
  }

  public DecisionInput fromJson(String json, Instant defaultNow) throws InvalidInputException {
    try {
      return toDecision(parser.fromJson(json), defaultNow);
    } catch (InputParser.InvalidInputException e) {
      throw new InvalidInputException(e);
    }
  }

  private static DecisionInput toDecision(ParsedInput p, Instant defaultNow) {
    return new DecisionInput(p.principal(), p.session(), p.delegation(), p.resource(), p.request(), p.context(),
        p.now().orElse(defaultNow));
  }
}

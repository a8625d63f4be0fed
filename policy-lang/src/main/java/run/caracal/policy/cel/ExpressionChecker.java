package run.caracal.policy.cel;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelIssue;
import dev.cel.common.CelSourceLocation;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.navigation.CelNavigableExpr;
import dev.cel.common.types.CelKind;
import dev.cel.compiler.CelCompiler;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import run.caracal.policy.diag.Code;
import run.caracal.policy.diag.Diagnostics;
import run.caracal.policy.source.Position;
import run.caracal.policy.yaml.ScalarText;

/**
 * Parses and type-checks CEL held in YAML scalars, reporting every issue at its file position
 * and enforcing the complexity limits. Stateless and thread-safe.
 */
public final class ExpressionChecker {
  private static final Pattern UNDEFINED_FIELD = Pattern.compile("undefined field '([^']+)'");
  private static final Pattern UNDECLARED = Pattern.compile("undeclared reference to '([^']+)'");
  private static final Pattern UNKNOWN_VARIABLE = Pattern.compile("variables\\s*\\.\\s*([A-Za-z_][A-Za-z0-9_]*)");

  private final PolicyEnvironment env;

  public ExpressionChecker(PolicyEnvironment env) {
    this.env = env;
  }

  /** Parses without checking, to learn which variables an expression reads. */
  public Optional<CelAbstractSyntaxTree> parse(ScalarText source, Diagnostics d) {
    if (source.value().codePointCount(0, source.value().length()) > PolicyEnvironment.MAX_EXPRESSION_LENGTH) {
      d.add(source.start(), Code.COMPLEXITY_LIMIT,
          "expression is longer than " + PolicyEnvironment.MAX_EXPRESSION_LENGTH + " characters");
      return Optional.empty();
    }
    CelValidationResult parsed = env.compiler(Map.of()).parse(source.value());
    if (parsed.hasError()) {
      report(parsed, source, d, true);
      return Optional.empty();
    }
    return Optional.of(ast(parsed));
  }

  /**
   * Type-checks a parsed expression with {@code compiler}; a condition must be a bool (or dyn,
   * checked when it runs).
   */
  public Optional<CheckedExpression> check(
      CelAbstractSyntaxTree parsed, ScalarText source, CelCompiler compiler, boolean condition, Diagnostics d) {
    CelValidationResult checked = compiler.check(parsed);
    if (checked.hasError()) {
      report(checked, source, d, false);
      return Optional.empty();
    }
    CelAbstractSyntaxTree ast = ast(checked);
    CelNavigableExpr root = CelNavigableAst.fromAst(ast).getRoot();
    if (root.height() > PolicyEnvironment.MAX_AST_HEIGHT) {
      d.add(source.start(), Code.COMPLEXITY_LIMIT,
          "expression nests " + root.height() + " levels deep (limit " + PolicyEnvironment.MAX_AST_HEIGHT + ")");
      return Optional.empty();
    }
    Optional<CelNavigableExpr> tooNested = root.allNodes()
        .filter(n -> n.getKind() == CelExpr.ExprKind.Kind.COMPREHENSION)
        .filter(n -> comprehensionDepth(n) > PolicyEnvironment.MAX_COMPREHENSION_NESTING)
        .findFirst();
    if (tooNested.isPresent()) {
      d.add(at(source, ast, tooNested.get().id()), Code.COMPLEXITY_LIMIT,
          "comprehensions nest more than " + PolicyEnvironment.MAX_COMPREHENSION_NESTING + " deep");
      return Optional.empty();
    }
    if (condition) {
      CelKind kind = ast.getResultType().kind();
      if (kind != CelKind.BOOL && kind != CelKind.DYN) {
        d.add(source.start(), Code.CONDITION_NOT_BOOL,
            "condition has type `" + ast.getResultType().name() + "`, not `bool`");
        return Optional.empty();
      }
    }
    return Optional.of(new CheckedExpression(source, ast, variablesRead(ast), readsRequestTime(root), readsInput(root)));
  }

  /**
   * The names read as {@code variables.NAME}: a select on the identifier {@code variables} in a
   * parsed AST, or the namespaced identifier {@code variables.NAME} the checker resolves it to.
   */
  public static Set<String> variablesRead(CelAbstractSyntaxTree ast) {
    Set<String> names = new LinkedHashSet<>();
    String prefix = InputSchema.VARIABLES + ".";
    CelNavigableAst.fromAst(ast).getRoot().allNodes().forEach(n -> {
      if (n.getKind() == CelExpr.ExprKind.Kind.SELECT) {
        var s = n.expr().select();
        if (s.operand().getKind() == CelExpr.ExprKind.Kind.IDENT && s.operand().ident().name().equals(InputSchema.VARIABLES)) {
          names.add(s.field());
        }
      } else if (n.getKind() == CelExpr.ExprKind.Kind.IDENT && n.expr().ident().name().startsWith(prefix)) {
        names.add(n.expr().ident().name().substring(prefix.length()));
      }
    });
    return names;
  }

  private static boolean readsRequestTime(CelNavigableExpr root) {
    return root.allNodes()
        .filter(n -> n.getKind() == CelExpr.ExprKind.Kind.IDENT && n.expr().ident().name().equals(InputSchema.REQUEST))
        .anyMatch(n -> n.parent()
            .filter(p -> p.getKind() == CelExpr.ExprKind.Kind.SELECT)
            .map(p -> InputSchema.REQUEST_TIME_FIELDS.contains(p.expr().select().field()))
            .orElse(true));
  }

  private static boolean readsInput(CelNavigableExpr root) {
    return root.allNodes()
        .anyMatch(n -> n.getKind() == CelExpr.ExprKind.Kind.IDENT && (InputSchema.ROOTS.contains(n.expr().ident().name())
            || n.expr().ident().name().startsWith(InputSchema.VARIABLES + ".")));
  }

  private static int comprehensionDepth(CelNavigableExpr node) {
    int depth = 0;
    Optional<CelNavigableExpr> cur = Optional.of(node);
    while (cur.isPresent()) {
      if (cur.get().getKind() == CelExpr.ExprKind.Kind.COMPREHENSION) {
        depth++;
      }
      cur = cur.get().parent();
    }
    return depth;
  }

  private static void report(CelValidationResult result, ScalarText source, Diagnostics d, boolean parsing) {
    for (CelIssue issue : result.getErrors()) {
      String message = issue.getMessage();
      Code code = parsing ? Code.CEL_SYNTAX : Code.CEL_TYPE;
      int offset = offsetOf(source.value(), issue.getSourceLocation());
      Matcher field = UNDEFINED_FIELD.matcher(message);
      Matcher undeclared = UNDECLARED.matcher(message);
      if (field.find()) {
        code = Code.CEL_UNKNOWN_REFERENCE;
        int named = source.value().indexOf(field.group(1), offset);
        offset = named >= 0 ? named : offset;
        message = "undefined field `" + field.group(1) + "`";
      } else if (undeclared.find()) {
        code = Code.CEL_UNKNOWN_REFERENCE;
        message = "undeclared reference to `" + undeclared.group(1) + "`";
        Matcher variable = UNKNOWN_VARIABLE.matcher(source.value());
        if (undeclared.group(1).equals(InputSchema.VARIABLES) && variable.find(Math.min(offset, source.value().length()))) {
          offset = variable.start(1);
          message = "unknown variable `" + variable.group(1) + "` (declare it under `spec.variables`)";
        }
      } else if (message.contains("found no matching overload")) {
        code = Code.CEL_TYPE;
      } else if (parsing && (message.contains("recursion") || message.contains("exceeds"))) {
        code = Code.COMPLEXITY_LIMIT;
      }
      d.add(source.at(offset), code, tidy(message));
    }
  }

  private static Position at(ScalarText source, CelAbstractSyntaxTree ast, long exprId) {
    Integer offset = ast.getSource().getPositionsMap().get(exprId); // in code points
    if (offset == null) {
      return source.start();
    }
    String value = source.value();
    int points = value.codePointCount(0, value.length());
    return source.at(value.offsetByCodePoints(0, Math.max(0, Math.min(offset, points))));
  }

  /** The offset in {@code text} of a CEL location (1-based line, 0-based column in code points). */
  static int offsetOf(String text, CelSourceLocation location) {
    if (location == null || location.getLine() < 1) {
      return 0;
    }
    int offset = 0;
    for (int line = 1; line < location.getLine(); line++) {
      int nl = text.indexOf('\n', offset);
      if (nl < 0) {
        break;
      }
      offset = nl + 1;
    }
    try {
      return Math.min(text.length(), text.offsetByCodePoints(offset, Math.max(0, location.getColumn())));
    } catch (IndexOutOfBoundsException e) {
      return Math.min(text.length(), offset + Math.max(0, location.getColumn()));
    }
  }

  private static String tidy(String message) {
    String flat = message.replaceAll("\\s+", " ").trim();
    if (flat.startsWith("ERROR: ")) {
      flat = flat.substring(7);
    }
    flat = flat.replace('\'', '`');
    return flat.isEmpty() ? "invalid expression" : Character.toLowerCase(flat.charAt(0)) + flat.substring(1);
  }

  private static CelAbstractSyntaxTree ast(CelValidationResult result) {
    try {
      return result.getAst();
    } catch (CelValidationException e) {
      throw new IllegalStateException("a result without errors has no ast", e);
    }
  }
}

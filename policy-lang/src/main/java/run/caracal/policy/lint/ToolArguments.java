package run.caracal.policy.lint;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.ast.CelConstant;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.navigation.CelNavigableAst;
import dev.cel.common.navigation.CelNavigableExpr;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import run.caracal.policy.cel.CheckedExpression;
import run.caracal.policy.cel.CheckedPolicy;
import run.caracal.policy.diag.Code;
import run.caracal.policy.diag.Diagnostics;
import run.caracal.policy.model.Resource;
import run.caracal.policy.model.ResourceGlob;
import run.caracal.policy.model.Rule;
import run.caracal.policy.source.Position;
import run.caracal.policy.yaml.ScalarText;

/**
 * The lint check for MCP tool arguments: a rule condition that reads
 * {@code request.mcp.arguments.NAME} (as a field, an index {@code ["NAME"]}, in {@code has()} or
 * {@code 'NAME' in ...}) when no tool the rule can apply to declares {@code NAME} in its input
 * schema. The tools a rule can apply to are the declared tools of the policy's MCP resources whose
 * scope is among the rule's scopes, narrowed by a conjunct {@code request.mcp.tool == 'x'} (or
 * {@code in [...]}) around the read; a conjunct {@code request.mcp.method == 'prompts/get'} (any
 * method but {@code tools/call}) means the arguments are not a tool's. Tools without an input schema, or whose schema admits other
 * properties, silence the check. Stateless.
 */
final class ToolArguments {
  private static final String AND = "_&&_";
  private static final String EQUALS = "_==_";
  private static final String INDEX = "_[_]";
  private static final String IN = "@in";

  private ToolArguments() {}

  /** Reports the unknown arguments {@code rule}'s condition reads, given the resources of its policy. */
  static void check(CheckedPolicy policy, CheckedPolicy.CheckedRule rule, List<Resource> resources, Diagnostics d) {
    if (rule.condition().isEmpty()) {
      return;
    }
    List<Resource.Tool> tools = new ArrayList<>();
    for (Resource r : resources) {
      if (r.protocol() == Resource.Protocol.MCP
          && policy.policy().resources().stream().anyMatch(p -> ResourceGlob.of(p.value()).matches(r.id().value()))) {
        r.tools().stream().filter(t -> appliesTo(rule.rule(), t)).forEach(tools::add);
      }
    }
    if (tools.isEmpty()) {
      return;
    }
    CheckedExpression condition = rule.condition().get();
    CelAbstractSyntaxTree ast = condition.ast();
    CelNavigableAst.fromAst(ast).getRoot().allNodes().forEach(node -> argumentRead(node).ifPresent(read -> {
      List<Resource.Tool> candidates = narrowed(node, tools);
      if (candidates.isEmpty() || candidates.stream().anyMatch(t -> declares(t, read.name()))) {
        return;
      }
      Position at = position(condition.source(), ast, read);
      d.add(at, Code.UNKNOWN_ARGUMENT, "argument `" + read.name() + "` is not in the input schema of "
          + (candidates.size() == 1 ? "tool " : "tools ") + candidates.stream().map(ToolArguments::describe)
          .collect(Collectors.joining(", ")) + " (rule `" + rule.name() + "`)");
    }));
  }

  private static boolean appliesTo(Rule rule, Resource.Tool tool) {
    return rule.appliesToEveryScope() || rule.scopes().stream().anyMatch(s -> s.value().equals(tool.scope().value()));
  }

  /** True unless the tool's schema is known, closed and without {@code name}. */
  private static boolean declares(Resource.Tool tool, String name) {
    return tool.arguments().map(a -> a.open() || a.names().contains(name)).orElse(true);
  }

  private static String describe(Resource.Tool tool) {
    List<String> names = tool.arguments().map(Resource.Arguments::names).orElse(List.of());
    return "`" + tool.name().value() + "` (" + (names.isEmpty() ? "no arguments"
        : "arguments " + names.stream().map(n -> "`" + n + "`").collect(Collectors.joining(", "))) + ")";
  }

  /** A read of one named argument: the node holding the name, and whether it is a field selection. */
  private record Read(String name, long nameId, boolean field) {}

  private static Optional<Read> argumentRead(CelNavigableExpr node) {
    CelExpr e = node.expr();
    if (e.getKind() == CelExpr.ExprKind.Kind.SELECT && isArguments(e.select().operand())) {
      return Optional.of(new Read(e.select().field(), e.id(), true));
    }
    if (e.getKind() == CelExpr.ExprKind.Kind.CALL && e.call().args().size() == 2) {
      String fn = e.call().function();
      CelExpr map = fn.equals(INDEX) ? e.call().args().get(0) : e.call().args().get(1);
      CelExpr key = fn.equals(INDEX) ? e.call().args().get(1) : e.call().args().get(0);
      if ((fn.equals(INDEX) || fn.equals(IN)) && isArguments(map)) {
        return string(key).map(name -> new Read(name, key.id(), false));
      }
    }
    return Optional.empty();
  }

  /** Whether {@code e} is {@code request.mcp.arguments}. */
  private static boolean isArguments(CelExpr e) {
    return isMcpField(e, "arguments");
  }

  private static boolean isSelect(CelExpr e, String field) {
    return e.getKind() == CelExpr.ExprKind.Kind.SELECT && e.select().field().equals(field) && !e.select().testOnly();
  }

  private static Optional<String> string(CelExpr e) {
    return e.getKind() == CelExpr.ExprKind.Kind.CONSTANT && e.constant().getKind() == CelConstant.Kind.STRING_VALUE
        ? Optional.of(e.constant().stringValue()) : Optional.empty();
  }

  /** The tools left after the {@code request.mcp.tool} tests conjoined with {@code node}. */
  private static List<Resource.Tool> narrowed(CelNavigableExpr node, List<Resource.Tool> tools) {
    List<Resource.Tool> left = tools;
    Optional<CelNavigableExpr> cur = node.parent();
    while (cur.isPresent()) {
      CelExpr e = cur.get().expr();
      if (e.getKind() == CelExpr.ExprKind.Kind.CALL && e.call().function().equals(AND)) {
        for (CelExpr conjunct : e.call().args()) {
          Optional<Set<String>> names = toolNames(conjunct);
          if (names.isPresent()) {
            left = left.stream().filter(t -> names.get().stream().anyMatch(t::matches)).toList();
          }
          if (otherMethod(conjunct)) {
            return List.of(); // the arguments of a prompt, not of a tool
          }
        }
      }
      cur = cur.get().parent();
    }
    return left;
  }

  /** The tool names {@code request.mcp.tool == 'x'} or {@code request.mcp.tool in ['x', ...]} allows. */
  private static Optional<Set<String>> toolNames(CelExpr e) {
    if (e.getKind() != CelExpr.ExprKind.Kind.CALL || e.call().args().size() != 2) {
      return Optional.empty();
    }
    CelExpr left = e.call().args().get(0);
    CelExpr right = e.call().args().get(1);
    if (e.call().function().equals(EQUALS)) {
      if (isTool(left)) {
        return string(right).map(Set::of);
      }
      return isTool(right) ? string(left).map(Set::of) : Optional.empty();
    }
    if (e.call().function().equals(IN) && isTool(left) && right.getKind() == CelExpr.ExprKind.Kind.LIST) {
      List<Optional<String>> names = right.list().elements().stream().map(ToolArguments::string).toList();
      return names.stream().allMatch(Optional::isPresent)
          ? Optional.of(names.stream().map(Optional::get).collect(Collectors.toSet())) : Optional.empty();
    }
    return Optional.empty();
  }

  /** Whether {@code e} is {@code request.mcp.method == 'M'} for a method other than {@code tools/call}. */
  private static boolean otherMethod(CelExpr e) {
    if (e.getKind() != CelExpr.ExprKind.Kind.CALL || !e.call().function().equals(EQUALS) || e.call().args().size() != 2) {
      return false;
    }
    CelExpr left = e.call().args().get(0);
    CelExpr right = e.call().args().get(1);
    Optional<String> method = isMcpField(left, "method") ? string(right) : isMcpField(right, "method") ? string(left) : Optional.empty();
    return method.filter(m -> !m.equals("tools/call")).isPresent();
  }

  private static boolean isTool(CelExpr e) {
    return isMcpField(e, "tool");
  }

  /** Whether {@code e} is {@code request.mcp.FIELD}. */
  private static boolean isMcpField(CelExpr e, String field) {
    return isSelect(e, field) && isSelect(e.select().operand(), "mcp")
        && e.select().operand().select().operand().getKind() == CelExpr.ExprKind.Kind.IDENT
        && e.select().operand().select().operand().ident().name().equals("request");
  }

  /** Where the name is written: the string literal, or the field name after the select's dot. */
  private static Position position(ScalarText source, CelAbstractSyntaxTree ast, Read read) {
    String text = source.value();
    Integer points = ast.getSource().getPositionsMap().get(read.nameId());
    int offset = points == null ? 0 : text.offsetByCodePoints(0, Math.max(0, Math.min(points, text.codePointCount(0, text.length()))));
    if (read.field()) {
      int named = text.indexOf(read.name(), offset);
      offset = named >= 0 ? named : offset;
    }
    return source.at(offset);
  }
}

package run.caracal.cli.audit;

import java.util.List;
import java.util.Optional;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.RuleEvaluation;
import run.caracal.policy.model.Effect;

/**
 * The `fix:` line of `caracal explain`: the layer to change (runtime config, policy, resource
 * routing, upstream), then what in it, from the request's reasons and recorded decision.
 */
final class FixHint {
  private FixHint() {}

  static String of(RequestReport report) {
    FixLayer layer = report.layer();
    String reason = report.reasonFor(layer).orElse("");
    return layer.label() + ": " + detail(report, layer, reason);
  }

  private static String detail(RequestReport r, FixLayer layer, String reason) {
    Optional<Decision> d = r.decision();
    String resource = "`" + r.resource() + "`";
    return switch (layer) {
      case NONE -> "the request was allowed" + (r.gatewayResult().isPresent() ? " and the upstream answered" : "");
      case UPSTREAM -> "the upstream of " + resource + " failed (" + r.gatewayResult().map(ExplainText::result).orElse(reason)
          + "); check the service behind the resource's upstream URL, not the policy";
      case RESOURCE_ROUTING -> switch (reason) {
        case "unknown_resource", "resource_unknown" -> "resource " + resource + " is not registered in zone `" + r.zone()
            + "`; register it, or correct the resource id the agent asks for";
        case "scope_not_declared" -> "resource " + resource + " does not declare a requested scope (not granted: "
            + scopes(d.map(FixHint::notGranted).orElse(List.of())) + "); declare the scope on the resource, or request one it declares";
        case "tool_not_declared" -> "resource " + resource + " declares its MCP tools and not this one; declare it "
            + "(`caracal resource update --protocol mcp --tool NAME=SCOPE ...`), or call a declared tool";
        default -> Reasons.describe(reason) + "; check the resource's registration (id, scopes, operations, tools, upstream)";
      };
      case POLICY -> policy(r, reason);
      case RUNTIME_CONFIG -> Reasons.describe(reason)
          + "; check the agent's configuration (application id and secret, session, token, requested scopes and resource)";
      case UNKNOWN -> r.reasons().isEmpty() ? "no reason was recorded; look at the events with `--json`"
          : "reason `" + String.join("`, `", r.reasons()) + "` is not one explain knows; look at the events with `--json`";
    };
  }

  private static String policy(RequestReport r, String reason) {
    Optional<Decision> d = r.decision();
    String set = d.map(Decision::policySet).filter(p -> !p.isNone())
        .map(p -> "policy set `" + p.name() + "` v" + p.version()).orElse("the active policy set");
    switch (reason) {
      case "denied_by_rule": {
        List<String> rules = d.map(x -> x.rules().stream().filter(rule -> rule.effect() == Effect.DENY)
            .map(rule -> "rule `" + rule.rule() + "` of policy `" + rule.policy() + "` v" + rule.version() + " denies `"
                + rule.scope() + "`").toList()).orElse(List.of());
        return (rules.isEmpty() ? "a deny rule holds" : String.join(", ", rules))
            + "; change that rule or its condition, or request another scope";
      }
      case "no_matching_rule":
        return "no allow rule in " + set + " grants " + scopes(d.map(Decision::requested).orElse(List.of())) + " on `"
            + r.resource() + "`; add or widen an allow rule, or request a scope that is granted";
      case "condition_error": {
        List<String> failed = d.map(x -> x.evaluated().stream().filter(e -> e.outcome() == RuleEvaluation.Outcome.ERROR)
            .map(e -> "`" + e.rule() + "` of `" + e.policy() + "` v" + e.version()).toList()).orElse(List.of());
        return "the condition of " + (failed.isEmpty() ? "a rule" : String.join(", ", failed))
            + " failed to evaluate (it fails closed); fix the condition";
      }
      case "no_active_policy_set":
        return "zone `" + r.zone() + "` has no active policy set, so everything is denied; push and activate one";
      case "approval_required": {
        List<String> rules = d.map(x -> x.approvals().stream()
            .map(a -> "rule `" + a.rule() + "` of policy `" + a.policy() + "` v" + a.version()).toList()).orElse(List.of());
        return (rules.isEmpty() ? "a require_approval rule" : String.join(", ", rules))
            + " holds this request for a person's approval; the Gateway refuses it until approvals are available,"
            + " so narrow that rule's condition if the request should pass without one";
      }
      case "scope_outside_delegation":
        return "the delegated session asks for a scope its parent session does not hold; widen the parent's scopes or ask for less";
      default:
        return Reasons.describe(reason) + "; review " + set;
    }
  }

  private static List<String> notGranted(Decision d) {
    return d.requested().stream().filter(s -> !d.granted().contains(s)).toList();
  }

  private static String scopes(List<String> scopes) {
    return scopes.isEmpty() ? "the requested scopes" : String.join(", ", scopes.stream().map(s -> "`" + s + "`").toList());
  }
}

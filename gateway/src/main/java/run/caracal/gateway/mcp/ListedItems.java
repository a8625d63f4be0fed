package run.caracal.gateway.mcp;

import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import run.caracal.control.pipeline.DecisionPipeline;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.McpMethods;
import run.caracal.engine.decision.ScopeMatch;
import run.caracal.policy.input.Mcp;
import run.caracal.policy.input.Request;

/**
 * Whether an item of an MCP list is shown to the caller: a call of it (a tool call, a prompt get,
 * a resource read) could be allowed for some arguments by the zone's active set, within the
 * same bounds a call meets (a declared tool needs its scope in the token). Thread-safe.
 */
public final class ListedItems implements Predicate<String> {
  private final DecisionPipeline pipeline;
  private final String zoneId;
  private final ResourceBinding.Mcp settings;
  private final List<String> tokenScopes;
  private final DecisionInput base;
  private final Mcp message;
  private final String itemMethod;

  /**
   * @param base the list request's own decision input (its caller, session, resource)
   * @param listMethod the list method (`tools/list`, `prompts/list`, `resources/list`)
   */
  public ListedItems(DecisionPipeline pipeline, String zoneId, ResourceBinding.Mcp settings, List<String> tokenScopes,
      DecisionInput base, String listMethod) {
    this.pipeline = pipeline;
    this.zoneId = zoneId;
    this.settings = settings;
    this.tokenScopes = List.copyOf(tokenScopes);
    this.base = base;
    this.message = base.request().getMcp();
    this.itemMethod = ListFilter.itemMethod(listMethod);
  }

  @Override
  public boolean test(String name) {
    Mcp.Builder item = message.toBuilder().setMethod(itemMethod).clearArguments();
    switch (itemMethod) {
      case McpMethods.TOOLS_CALL -> item.setTool(name);
      case McpMethods.PROMPTS_GET -> item.setPrompt(name);
      default -> item.setUri(name);
    }
    List<String> scopes = tokenScopes;
    ScopeMatch match = ScopeMatch.ANY;
    if (itemMethod.equals(McpMethods.TOOLS_CALL) && !settings.tools().isEmpty()) {
      Optional<ResourceBinding.Tool> declared = settings.tool(name);
      if (declared.isEmpty() || !tokenScopes.contains(declared.get().scope())) {
        return false;
      }
      scopes = List.of(declared.get().scope());
      match = ScopeMatch.ALL;
    }
    Request request = base.request().toBuilder().clearScopes().addAllScopes(scopes).setMcp(item).build();
    return pipeline.couldAllow(zoneId, base.withRequest(request).withScopeMatch(match));
  }
}

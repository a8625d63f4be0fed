package run.caracal.engine.decision;

import java.util.Set;

/**
 * How the engine treats MCP methods: a message that acts on the server's tools, resources or
 * prompts is decided by the rules in full; every other message (initialize, discovery, ping,
 * lists, notifications, completions, responses to the server) is protocol plumbing that needs
 * only a valid token for the resource.
 */
public final class McpMethods {
  public static final String TOOLS_CALL = "tools/call";
  public static final String RESOURCES_READ = "resources/read";
  public static final String PROMPTS_GET = "prompts/get";

  private static final Set<String> DECIDED = Set.of(TOOLS_CALL, RESOURCES_READ, PROMPTS_GET);

  private McpMethods() {}

  /** Whether the rules decide this method (else it is plumbing). */
  public static boolean decided(String method) {
    return DECIDED.contains(method);
  }
}

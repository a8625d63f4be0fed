package run.caracal.engine.compile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static run.caracal.engine.Fixture.compile;
import static run.caracal.engine.Fixture.input;
import static run.caracal.engine.Fixture.policy;
import static run.caracal.engine.Fixture.reasons;
import static run.caracal.engine.Fixture.rule;
import static run.caracal.engine.Fixture.rules;

import java.util.List;
import org.junit.jupiter.api.Test;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.ReasonCode;
import run.caracal.policy.model.Verdict;

/** MCP messages: tool calls decided with their arguments, plumbing, and list filtering with the arguments unknown. */
final class DecideMcpTest {
  private static final String FILES_RESOURCE = """
      apiVersion: caracal.run/v1
      kind: Resource
      metadata: {name: files}
      spec:
        id: resource://files
        scopes: [files:read, files:write]
      """;
  private static final CompiledPolicySet FILES = compile(FILES_RESOURCE, policy("files", "[\"resource://files\"]", "",
      rule("reads-in-workspace", "allow", "[files:read]",
          "request.mcp.tool.startsWith('read_') && request.mcp.arguments.path.startsWith('/work/')")
          + rule("writes", "allow", "[files:write]", "request.mcp.tool == 'write_file'")
          + rule("no-delegated-writes", "deny", "[files:write]", "delegation.depth > 0")
          + rule("no-secrets", "deny", "[files:read]", "request.mcp.arguments.path.endsWith('.env')")
          + rule("never-delete", "deny", "[files:write]", "request.mcp.tool == 'delete_file'")));

  private static String call(String tool, String arguments, String scopes) {
    return "{resource: {id: 'resource://files', scopes: [files:read, files:write]}, request: {phase: request, scopes: "
        + scopes + ", mcp: {method: tools/call, tool: " + tool + ", arguments: " + arguments + "}}}";
  }

  @Test
  void decide_toolCall_isDecidedWithItsArguments() {
    Decision inside = FILES.decide(input(call("read_file", "{path: /work/a.txt}", "[files:read]")));
    Decision outside = FILES.decide(input(call("read_file", "{path: /etc/passwd}", "[files:read]")));
    Decision secret = FILES.decide(input(call("read_file", "{path: /work/.env}", "[files:read]")));

    assertEquals(Verdict.ALLOW, inside.verdict(), reasons(inside).toString());
    assertEquals(List.of("files/reads-in-workspace@files:read"), rules(inside));
    assertEquals(Verdict.DENY, outside.verdict());
    assertEquals(List.of(ReasonCode.NO_MATCHING_RULE), outside.reasons());
    assertEquals(Verdict.DENY, secret.verdict());
    assertEquals(List.of("files/no-secrets@files:read"), rules(secret));
  }

  @Test
  void decide_plumbingMethod_isAllowedWithoutRules() {
    Decision list = FILES.decide(input("{resource: {id: 'resource://files'}, request: {phase: request, scopes: [files:read],"
        + " mcp: {method: tools/list}}}"));
    Decision initialize = FILES.decide(input("{resource: {id: 'resource://files'}, request: {phase: request, scopes: [files:read],"
        + " mcp: {method: initialize, protocol_version: '2025-06-18'}}}"));

    assertEquals(Verdict.ALLOW, list.verdict());
    assertEquals(List.of(ReasonCode.MCP_PLUMBING), list.reasons());
    assertEquals(List.of(), list.rules());
    assertEquals(FILES.ref(), list.policySet());
    assertEquals(Verdict.ALLOW, initialize.verdict());
  }

  @Test
  void decideWithArgumentsUnknown_listsWhatSomeArgumentsCouldAllow() {
    Decision read = FILES.decideWithArgumentsUnknown(input(call("read_file", "{}", "[files:read]")));
    Decision write = FILES.decideWithArgumentsUnknown(input(call("write_file", "{}", "[files:write]")));
    Decision delete = FILES.decideWithArgumentsUnknown(input(call("delete_file", "{}", "[files:write]")));
    Decision search = FILES.decideWithArgumentsUnknown(input(call("search", "{}", "[files:read]")));

    assertEquals(Verdict.ALLOW, read.verdict(), "allow unknown, the deny on the path unknown: listed");
    assertEquals(Verdict.ALLOW, write.verdict());
    assertEquals(Verdict.DENY, delete.verdict(), "a deny that holds whatever the arguments: hidden");
    assertEquals(Verdict.DENY, search.verdict(), "no allow rule can hold: hidden");
  }

  @Test
  void decideWithArgumentsUnknown_delegatedWriterDoesNotSeeWrites() {
    Decision write = FILES.decideWithArgumentsUnknown(input("{delegation: {depth: 1, parent_scopes: ['*']}, "
        + "resource: {id: 'resource://files', scopes: [files:read, files:write]}, request: {phase: request, "
        + "scopes: [files:write], mcp: {method: tools/call, tool: write_file}}}"));

    assertEquals(Verdict.DENY, write.verdict());
    assertEquals(List.of("files/no-delegated-writes@files:write"), rules(write));
  }

  @Test
  void decide_mcpConditionAtIssue_isLeftToTheGateway() {
    Decision issue = FILES.decide(input("{resource: {id: 'resource://files', scopes: [files:read, files:write]}, "
        + "request: {phase: issue, scopes: [files:read]}}"));

    assertEquals(Verdict.ALLOW, issue.verdict(), reasons(issue).toString());
  }
}

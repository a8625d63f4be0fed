package run.caracal.cli.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** The analysis and text of `caracal explain` over ledger events as the server returns them. */
class ExplainTextTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final String ALLOW_DECISION = """
      {"decision":"allow","phase":"request","scopes":{"requested":["billing:read"],"granted":["billing:read"]},
       "rules":[{"policy":"billing","version":3,"rule":"agents-read","effect":"allow","scope":"billing:read"}],
       "reasons":["allowed_by_rule"],"policySet":{"name":"production","version":7,"sha256":"ab12"},"evaluated":[],"errors":[]}""";

  @Test
  void explain_gatewayCallWithUpstream502_pointsAtTheUpstream() throws Exception {
    RequestReport report = report("""
        [{"type":"gateway.decision","decision":"allow","occurred_at":"2026-01-31T09:00:00.000001Z","request_id":"req_g",
          "trace_id":"t1","session_id":"ses_1","zone":"zone_1","app":"app_1","resource":"resource://billing-api",
          "explanation":{"principal":{"app":"app_1","name":"invoice-agent"},"session":{"id":"ses_1","depth":0},
            "request":{"method":"GET","path":"/v1/invoices"},"decision":%s}},
         {"type":"gateway.result","decision":"none","occurred_at":"2026-01-31T09:00:01Z","request_id":"req_g",
          "explanation":{"status":502,"upstream_status":503,"bytes":17,"latency_ms":1204}}]""".formatted(ALLOW_DECISION));

    assertEquals(FixLayer.UPSTREAM, report.layer());
    List<String> lines = text(report);
    assertTrue(lines.contains("gateway:     allow GET /v1/invoices"), lines::toString);
    assertTrue(lines.contains("upstream:    upstream status 503, gateway 502, 17 bytes, 1204 ms"), lines::toString);
    assertTrue(lines.contains("rules:       allow billing v3 rule agents-read (scope billing:read)"), lines::toString);
    assertTrue(last(lines).startsWith("fix:         upstream: the upstream of `resource://billing-api` failed"), lines::toString);
  }

  @Test
  void explain_gatewayCallUpstream200_hasNothingToFix() throws Exception {
    RequestReport report = report("""
        [{"type":"gateway.decision","decision":"allow","occurred_at":"2026-01-31T09:00:00Z","request_id":"req_g",
          "explanation":{"decision":%s}},
         {"type":"gateway.result","decision":"none","occurred_at":"2026-01-31T09:00:01Z","request_id":"req_g",
          "explanation":{"status":200,"upstream_status":200,"bytes":5120,"latency_ms":38}}]""".formatted(ALLOW_DECISION));

    assertEquals(FixLayer.NONE, report.layer());
    assertEquals("fix:         nothing: the request was allowed and the upstream answered", last(text(report)));
  }

  @Test
  void explain_gatewayUpstreamTimeout_pointsAtTheUpstream() throws Exception {
    RequestReport report = report("""
        [{"type":"gateway.result","decision":"none","occurred_at":"2026-01-31T09:00:01Z","request_id":"req_g",
          "explanation":{"status":"timeout","latency_ms":30000}},
         {"type":"gateway.decision","decision":"allow","occurred_at":"2026-01-31T09:00:00Z","request_id":"req_g",
          "explanation":{"decision":%s}}]""".formatted(ALLOW_DECISION));

    assertEquals(FixLayer.UPSTREAM, report.layer());
  }

  @Test
  void explain_gatewayResultUpstreamTimeout_showsTheGatewayFieldsAndPointsAtTheUpstream() throws Exception {
    RequestReport report = report("""
        [{"type":"gateway.decision","decision":"allow","occurred_at":"2026-01-31T09:00:00Z","request_id":"req_g",
          "resource":"resource://billing-api","explanation":{"gateway":"allow","method":"POST","path":"/v1/charges",
            "resource":"resource://billing-api","principal":{"app":"app_1"},"session":{"id":"ses_1"},"decision":%s}},
         {"type":"gateway.result","decision":"none","occurred_at":"2026-01-31T09:00:30Z","request_id":"req_g",
          "explanation":{"outcome":"upstream_timeout","status":504,"upstream_status":0,"bytes_in":12,"bytes_out":0,
            "latency_ms":30001.5,"upstream":"http://127.0.0.1:9"}}]""".formatted(ALLOW_DECISION));

    assertEquals(FixLayer.UPSTREAM, report.layer());
    List<String> lines = text(report);
    assertTrue(lines.contains("gateway:     allow POST /v1/charges"), lines::toString);
    assertTrue(lines.contains("upstream:    gateway 504, 12 bytes in, 0 bytes out, 30001.5 ms, upstream_timeout, "
        + "from http://127.0.0.1:9"), lines::toString);
  }

  @Test
  void explain_gatewayResultUpstreamForbidden_pointsAtResourceRouting() throws Exception {
    RequestReport report = report("""
        [{"type":"gateway.decision","decision":"allow","occurred_at":"2026-01-31T09:00:00Z","request_id":"req_g",
          "resource":"resource://billing-api","explanation":{"method":"GET","path":"/","decision":%s}},
         {"type":"gateway.result","decision":"none","occurred_at":"2026-01-31T09:00:00.1Z","request_id":"req_g",
          "explanation":{"outcome":"upstream_forbidden","status":502,"upstream_status":0}}]""".formatted(ALLOW_DECISION));

    assertEquals(FixLayer.RESOURCE_ROUTING, report.layer());
    assertTrue(last(text(report)).startsWith("fix:         resource routing: the upstream address is refused"), text(report)::toString);
  }

  @Test
  void explain_gatewayRefusesUnknownResource_showsTheRefusalAndPointsAtRouting() throws Exception {
    RequestReport report = report("""
        [{"type":"gateway.decision","decision":"deny","occurred_at":"2026-01-31T09:00:00Z","request_id":"req_g",
          "resource":"resource://nope","explanation":{"gateway":"deny","method":"GET","path":"/x","resource":"resource://nope",
            "status":404,"reason":"unknown_resource","message":"resource `resource://nope` is not registered",
            "decision":{"decision":"deny","reasons":["unknown_resource"]}}}]""");

    assertEquals(FixLayer.RESOURCE_ROUTING, report.layer());
    List<String> lines = text(report);
    assertTrue(lines.contains("gateway:     deny GET /x -> 404 unknown_resource"), lines::toString);
    assertTrue(EventTable.summary(report.events().get(0)).equals("GET /x -> 404: unknown_resource"),
        EventTable.summary(report.events().get(0)));
  }

  @Test
  void explain_gatewayCall_joinsTheIssuingAuthorizationByTokenFingerprint() throws Exception {
    RequestReport report = report("""
        [{"type":"gateway.decision","decision":"allow","occurred_at":"2026-01-31T09:00:05Z","request_id":"req_g",
          "session_id":"ses_1","token_fp":"Oexno_nRfOnBFX8mMw1pFg","app":"app_1","resource":"resource://billing-api",
          "explanation":{"method":"GET","path":"/","principal":{"app":"app_1"},"session":{"id":"ses_1"},"decision":%s}}]"""
        .formatted(ALLOW_DECISION));
    JsonNode timeline = JSON.readTree("""
        [{"type":"authorization","decision":"allow","occurred_at":"2026-01-31T09:00:00Z","request_id":"req_i",
          "token_fp":"Oexno_nRfOnBFX8mMw1pFg","explanation":{"principal":{"app":"app_1","name":"invoice-agent"},
            "session":{"id":"ses_1","root":"ses_1","depth":0,"oneShot":true}}},
         {"type":"authorization","decision":"allow","occurred_at":"2026-01-31T09:00:01Z","request_id":"req_other",
          "token_fp":"AAAAAAAAAAAAAAAAAAAAAA","explanation":{}}]""");

    List<String> lines = text(report.withIssueFrom(timeline));

    assertTrue(lines.contains("application: app_1 (invoice-agent)"), lines::toString);
    assertTrue(lines.contains("session:     ses_1 (one-shot, client_credentials)"), lines::toString);
    assertTrue(lines.contains("token:       issued by request req_i at 2026-01-31T09:00:00Z (authorization allow)"), lines::toString);
  }

  @Test
  void explain_gatewaySessionWithoutDetails_saysTheChainIsUnknown() throws Exception {
    RequestReport report = report("""
        [{"type":"gateway.decision","decision":"allow","occurred_at":"2026-01-31T09:00:05Z","request_id":"req_g",
          "session_id":"ses_gone","explanation":{"session":{"id":"ses_gone"},"decision":%s}}]""".formatted(ALLOW_DECISION));

    List<String> lines = text(report);

    assertTrue(lines.contains("session:     ses_gone"), lines::toString);
    assertTrue(lines.contains("delegation:  unknown (the session is no longer on record)"), lines::toString);
  }

  @Test
  void explain_gatewayRejectsExpiredToken_pointsAtRuntimeConfig() throws Exception {
    RequestReport report = report("""
        [{"type":"gateway.decision","decision":"deny","occurred_at":"2026-01-31T09:00:00Z","request_id":"req_t",
          "resource":"resource://billing-api","explanation":{"reason":"token_expired"}}]""");

    assertEquals(FixLayer.RUNTIME_CONFIG, report.layer());
    List<String> lines = text(report);
    assertTrue(lines.contains("reasons:     token_expired: the token has expired"), lines::toString);
    assertTrue(lines.contains("policy set:  not evaluated (no policy decision was recorded)"), lines::toString);
    assertTrue(last(lines).startsWith("fix:         runtime config: the token has expired; check the agent's configuration"),
        lines::toString);
  }

  @Test
  void explain_noActivePolicySet_pointsAtPolicy() throws Exception {
    RequestReport report = report("""
        [{"type":"authorization","decision":"deny","occurred_at":"2026-01-31T09:00:00Z","request_id":"req_n","zone":"zone_1",
          "explanation":{"decision":{"decision":"deny","reasons":["no_active_policy_set"]}}}]""");

    assertEquals(FixLayer.POLICY, report.layer());
    assertEquals("fix:         policy: zone `zone_1` has no active policy set, so everything is denied; push and activate one",
        last(text(report)));
  }

  @Test
  void explain_conditionError_namesTheFailingRule() throws Exception {
    RequestReport report = report("""
        [{"type":"authorization","decision":"deny","occurred_at":"2026-01-31T09:00:00Z","request_id":"req_c",
          "explanation":{"decision":{"decision":"deny","scopes":{"requested":["billing:charge"],"granted":[]},"rules":[],
            "reasons":["condition_error"],"policySet":{"name":"p","version":1,"sha256":"x"},
            "evaluated":[{"policy":"billing","version":2,"rule":"small-charges","effect":"allow","outcome":"error",
              "error":"no such key: amount"}],"errors":["billing/small-charges: no such key: amount"]}}}]""");

    List<String> lines = text(report);
    assertTrue(lines.contains("evaluated:   allow billing v2 rule small-charges: error (no such key: amount)"), lines::toString);
    assertTrue(lines.contains("errors:      billing/small-charges: no such key: amount"), lines::toString);
    assertEquals("fix:         policy: the condition of `small-charges` of `billing` v2 failed to evaluate (it fails closed); "
        + "fix the condition", last(lines));
  }

  @Test
  void explain_denyWithSomeScopesAllowedAlone_grantsNoneAndSaysWhichWouldPass() throws Exception {
    RequestReport report = report("""
        [{"type":"authorization","decision":"deny","occurred_at":"2026-01-31T09:00:00Z","request_id":"req_m",
          "explanation":{"decision":{"decision":"deny","scopes":{"requested":["billing:read","billing:refund"],
            "granted":["billing:read"]},"rules":[{"policy":"billing","version":1,"rule":"no-refunds","effect":"deny",
            "scope":"billing:refund"}],"reasons":["denied_by_rule"],"policySet":{"name":"p","version":1,"sha256":"x"},
            "evaluated":[]}}}]""");

    List<String> lines = text(report);
    assertTrue(lines.contains("granted:     none (all or nothing; alone, policy would allow billing:read)"), lines::toString);
    assertTrue(EventTable.render(report.events()).stream().noneMatch(l -> l.contains(" granted ")),
        "the audit row does not call a denied request's scopes granted");
  }

  @Test
  void explain_eventsWithoutDecision_sayNothingWasDecided() throws Exception {
    RequestReport report = report("""
        [{"type":"session.opened","decision":"none","occurred_at":"2026-01-31T09:00:00Z","request_id":"req_s",
          "explanation":{"session":"ses_1","depth":0}}]""");

    List<String> lines = text(report);
    assertTrue(lines.contains("events:   session.opened"), lines::toString);
    assertTrue(last(lines).startsWith("fix:      nothing to explain"), lines::toString);
  }

  @Test
  void explain_gatewayHeldForApproval_showsTheApprovalRuleAndPointsAtPolicy() throws Exception {
    RequestReport report = report("""
        [{"type":"gateway.decision","decision":"deny","occurred_at":"2026-01-31T09:00:00Z","request_id":"req_a",
          "resource":"resource://payouts-api","explanation":{"gateway":"deny","method":"POST","path":"/v1/payouts",
            "resource":"resource://payouts-api","status":403,"reason":"approval_required",
            "decision":{"decision":"approval_required","phase":"request",
              "scopes":{"requested":["payouts:send"],"granted":["payouts:send"]},
              "rules":[{"policy":"payouts","version":2,"rule":"large-payouts","effect":"require_approval","scope":"payouts:send"}],
              "approvals":[{"policy":"payouts","version":2,"rule":"large-payouts","ttlSeconds":1800,"reuse":"once",
                "approvers":["finance"]}],
              "reasons":["approval_required"],"policySet":{"name":"payouts","version":4,"sha256":"ab12"},
              "evaluated":[],"errors":[]}}}]""");

    assertEquals(FixLayer.POLICY, report.layer());
    List<String> lines = text(report);
    assertTrue(lines.contains("rules:       require_approval payouts v2 rule large-payouts (scope payouts:send)"), lines::toString);
    assertTrue(lines.stream().anyMatch(l -> l.contains("payouts v2 rule large-payouts: ttl 30m, reuse once, approvers finance")),
        lines::toString);
    assertTrue(lines.stream().anyMatch(l -> l.contains("required: the request waits for a person's approval")), lines::toString);
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("decision:") && l.contains("approval_required")), lines::toString);
    assertTrue(last(lines).contains("rule `large-payouts` of policy `payouts` v2 holds this request"), lines::toString);
  }

  private static final String HELD = """
      [{"type":"gateway.decision","decision":"deny","occurred_at":"2026-01-31T09:00:00Z","request_id":"req_a",
        "resource":"resource://payouts-api","explanation":{"gateway":"deny","method":"POST","path":"/v1/payouts",
          "resource":"resource://payouts-api","status":403,"reason":"approval_required",
          "decision":{"decision":"approval_required","phase":"request",
            "scopes":{"requested":["payouts:send"],"granted":["payouts:send"]},
            "rules":[{"policy":"payouts","version":2,"rule":"large-payouts","effect":"require_approval","scope":"payouts:send"}],
            "approvals":[{"policy":"payouts","version":2,"rule":"large-payouts","ttlSeconds":1800,"reuse":"once",
              "approvers":["finance"]}],
            "reasons":["approval_required"],"policySet":{"name":"payouts","version":4,"sha256":"ab12"},
            "evaluated":[],"errors":[]}}}]""";

  @Test
  void explain_heldRequestLaterApproved_showsTheApprovalItOpenedWithApproverTimeAndComment() throws Exception {
    JsonNode approval = JSON.readTree("""
        {"id":"apr_1","state":"approved","request_id":"req_a","decided_by":"approver:alice",
         "decided_at":"2026-01-31T09:05:00Z","comment":"quarterly bonus"}""");
    List<String> asked = new ArrayList<>();

    List<String> lines = new ExplainText(report(HELD), id -> Optional.empty(), id -> Optional.empty(),
        lookup(Optional.empty(), requestId -> {
          asked.add(requestId);
          return Optional.of(approval);
        })).render();

    assertEquals(List.of("req_a"), asked);
    assertTrue(lines.contains("             apr_1 approved: approved by approver:alice at 2026-01-31T09:05:00Z, comment \"quarterly bonus\""),
        lines::toString);
    assertTrue(lines.stream().anyMatch(l -> l.contains("payouts v2 rule large-payouts: ttl 30m, reuse once, approvers finance")),
        lines::toString);
  }

  @Test
  void explain_heldRequestStillPending_saysNoOneAnsweredAndHowToApprove() throws Exception {
    JsonNode approval = JSON.readTree("""
        {"id":"apr_2","state":"pending","request_id":"req_a","decided_by":null,"decided_at":null,"comment":null}""");

    List<String> lines = new ExplainText(report(HELD), id -> Optional.empty(), id -> Optional.empty(),
        lookup(Optional.empty(), requestId -> Optional.of(approval))).render();

    assertTrue(lines.contains("             apr_2 pending: no one has answered yet (`caracal approvals approve apr_2`)"), lines::toString);
  }

  @Test
  void explain_heldRepeatOfAnIdenticalRequest_pointsAtTheZonesApprovals() throws Exception {
    List<String> lines = new ExplainText(report(HELD), id -> Optional.empty(), id -> Optional.empty(),
        lookup(Optional.empty(), requestId -> Optional.empty())).render();

    assertTrue(lines.stream().anyMatch(l -> l.contains("its approval was opened by an earlier identical request")), lines::toString);
  }

  @Test
  void explain_requestThroughWithAnApproval_looksItUpByTheRecordedIdAndNamesTheApprover() throws Exception {
    RequestReport report = report("""
        [{"type":"gateway.decision","decision":"allow","occurred_at":"2026-12-05T09:10:00Z","request_id":"req_u",
          "explanation":{"record":1,"requestId":"req_u","phase":"request","time":"2026-12-05T09:10:00Z","zone":"zone_1",
            "app":{"id":"app_1","name":"payer","zone":"zone_1"},"session":{"id":"ses_1","root":"ses_1","depth":0,"oneShot":true,"chain":[]},
            "resource":"resource://payouts-api","call":{"method":"POST","path":"/v1/payouts","grantType":""},
            "input":{"request":{"phase":"request","scopes":["payouts:send"],"method":"POST","path":"/v1/payouts"},
              "context":{"approval_id":"apr_3"},"now":"2026-12-05T09:10:00Z"},
            "masked":[],
            "decision":{"decision":"allow","phase":"request","scopes":{"requested":["payouts:send"],"granted":["payouts:send"]},
              "rules":[{"policy":"payouts","version":2,"rule":"pay","effect":"allow","scope":"payouts:send"},
                {"policy":"payouts","version":2,"rule":"large-payouts","effect":"require_approval","scope":"payouts:send"}],
              "approvals":[{"policy":"payouts","version":2,"rule":"large-payouts","ttlSeconds":600,"reuse":"once","approvers":[]}],
              "reasons":["allowed_by_approval"],"policySet":{"name":"prod","version":2,"sha256":"ab"},"evaluated":[],"errors":[]}}}]""");
    JsonNode approval = JSON.readTree("""
        {"id":"apr_3","state":"used","request_id":"req_a","decided_by":"approver:bob","decided_at":"2026-12-05T09:09:00Z",
         "comment":null}""");

    List<String> lines = new ExplainText(report, id -> Optional.empty(), id -> Optional.empty(),
        lookup(Optional.of(approval), requestId -> Optional.empty())).render();

    assertTrue(lines.stream().anyMatch(l -> l.contains("satisfied by approval apr_3")), lines::toString);
    assertTrue(lines.contains("             apr_3 used: approved by approver:bob at 2026-12-05T09:09:00Z"), lines::toString);
  }

  private static ApprovalLookup lookup(Optional<JsonNode> byId, Function<String, Optional<JsonNode>> openedBy) {
    return new ApprovalLookup() {
      @Override
      public Optional<JsonNode> byId(String approvalId) {
        return byId.filter(a -> a.path("id").asText().equals(approvalId));
      }

      @Override
      public Optional<JsonNode> openedBy(String requestId) {
        return openedBy.apply(requestId);
      }
    };
  }

  @Test
  void reasons_unknownCode_isShownAsWordsAndUnknownLayer() {
    assertEquals("some new thing", Reasons.describe("some_new_thing"));
    assertEquals(FixLayer.UNKNOWN, Reasons.layer("some_new_thing"));
    assertEquals(FixLayer.RESOURCE_ROUTING, Reasons.layer("scope_not_declared"));
    assertEquals(FixLayer.POLICY, Reasons.layer("scope_outside_delegation"));
    assertEquals(FixLayer.RUNTIME_CONFIG, Reasons.layer("invalid_client"));
    assertEquals(FixLayer.UPSTREAM, Reasons.layer("upstream_timeout"));
  }

  @Test
  void explain_mcpToolCallDeniedByItsArguments_showsTheCallAndPointsAtThePolicy() throws Exception {
    RequestReport report = report("""
        [{"type":"gateway.decision","decision":"deny","occurred_at":"2026-12-05T09:00:00Z","request_id":"req_m",
          "explanation":{"record":1,"requestId":"req_m","phase":"request","time":"2026-12-05T09:00:00Z","zone":"zone_1",
            "app":{"id":"app_1","name":"coder","zone":"zone_1"},"session":{"id":"ses_1","root":"ses_1","depth":0,"oneShot":false,"chain":[]},
            "resource":"resource://files","call":{"method":"POST","path":"/mcp/files","grantType":""},
            "input":{"request":{"phase":"request","scopes":["files:read"],"method":"POST","path":"/mcp/files",
              "mcp":{"method":"tools/call","tool":"read_file","arguments":{"path":"/etc/passwd","token":"hmac:AAAAAAAAAAAAAAAAAAAAAA"},
                "protocol_version":"2025-06-18","client":{"name":"claude-code","version":"2.1"}}},"now":"2026-12-05T09:00:00Z"},
            "masked":["request.mcp.arguments.token"],
            "decision":{"decision":"deny","phase":"request","scopes":{"requested":["files:read"],"granted":[]},"rules":[],
              "reasons":["no_matching_rule"],"policySet":{"name":"prod","version":2,"sha256":"ab"},"evaluated":[],"errors":[]},
            "refusal":{"stage":"policy","reason":"no_matching_rule","status":403}}}]""");

    List<String> lines = text(report);
    assertTrue(lines.contains("mcp:         tools/call read_file {\"path\":\"/etc/passwd\",\"token\":\"hmac:AAAAAAAAAAAAAAAAAAAAAA\"} "
        + "(client claude-code 2.1, revision 2025-06-18)"), lines::toString);
    assertTrue(lines.contains("masked:      request.mcp.arguments.token"), lines::toString);
    assertEquals(FixLayer.POLICY, report.layer());
  }

  @Test
  void explain_mcpListWithHiddenTools_namesThem() throws Exception {
    RequestReport report = report("""
        [{"type":"gateway.decision","decision":"allow","occurred_at":"2026-01-31T09:00:00Z","request_id":"req_l",
          "explanation":{"decision":%s}},
         {"type":"gateway.result","decision":"none","occurred_at":"2026-01-31T09:00:01Z","request_id":"req_l",
          "explanation":{"status":200,"upstream_status":200,"hidden":["delete_file","search"]}}]""".formatted(ALLOW_DECISION));

    assertTrue(text(report).contains("upstream:    upstream status 200, gateway 200, hidden from the caller's list: delete_file, search"),
        text(report)::toString);
  }

  private static RequestReport report(String events) throws Exception {
    JsonNode array = JSON.readTree(events);
    return RequestReport.of(array.get(0).path("request_id").asText(), array);
  }

  private static List<String> text(RequestReport report) {
    return new ExplainText(report, id -> Optional.empty(), id -> Optional.empty()).render();
  }

  private static String last(List<String> lines) {
    return lines.get(lines.size() - 1);
  }
}

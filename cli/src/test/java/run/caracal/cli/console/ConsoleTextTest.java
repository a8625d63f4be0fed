package run.caracal.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

final class ConsoleTextTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text.replace('\'', '"'));
  }

  @Test
  void zoneRows_oneRowPerZone_alignedUnderTheHeader() throws Exception {
    List<String> rows = ConsoleText.zoneRows(json("[{'name':'prod','id':'zone_1','created_at':'2026-01-01T00:00:00Z'}]"));

    assertEquals(1, rows.size());
    assertTrue(rows.get(0).startsWith("prod "), rows.get(0));
    assertEquals(ConsoleText.ZONE_HEADER.indexOf("ID"), rows.get(0).indexOf("zone_1"));
    assertEquals(ConsoleText.ZONE_HEADER.indexOf("CREATED"), rows.get(0).indexOf("2026"));
  }

  @Test
  void zoneDetail_activeSet_namesItsVersionAppsAndResources() throws Exception {
    JsonNode zone = json("{'name':'prod','id':'zone_1','created_at':'t','active_policy_set':{'policy_set':'production',"
        + "'version':3,'activated_at':'t2'},'shadow_policy_set':null}");
    JsonNode apps = json("[{'name':'invoice-agent','id':'app_1','enabled':true,'client_secret_hash':'x'}]");
    JsonNode resources = json("[{'id':'resource://billing-api','scopes':['billing:read','billing:refund'],'upstream':'http://u'}]");

    List<String> lines = ConsoleText.zoneDetail(zone, apps, resources);

    assertTrue(lines.contains("policy set:  production v3 (activated t2)"), lines::toString);
    assertTrue(lines.contains("shadow:      none"), lines::toString);
    assertTrue(lines.contains("  invoice-agent  app_1"), lines::toString);
    assertTrue(lines.contains("  resource://billing-api  scopes billing:read,billing:refund  upstream http://u"), lines::toString);
    assertTrue(lines.stream().noneMatch(l -> l.contains("client_secret")), lines::toString);
  }

  @Test
  void zoneDetail_noActiveSet_saysTheZoneDeniesEverything() throws Exception {
    List<String> lines = ConsoleText.zoneDetail(json("{'name':'dev','id':'zone_2'}"), json("[]"), json("[]"));

    assertTrue(lines.contains("policy set:  none active: the zone denies everything"), lines::toString);
    assertTrue(lines.contains("applications (0)"), lines::toString);
  }

  @Test
  void status_failingComponent_isMarkedFailWithItsDetail() throws Exception {
    JsonNode status = json("{'ready':false,'components':{'database':{'ready':true,'detail':'reachable'},"
        + "'gateway':{'ready':false,'detail':'http://g not accepting connections'},"
        + "'policy_sets':{'ready':true,'detail':'1 zone(s)','zones':[{'zone':'prod','policy_set':'production','version':2}]}}}");

    List<String> lines = ConsoleText.status(status);

    assertEquals("ready:        no", lines.get(0));
    assertTrue(lines.contains("database:     ok   reachable"), lines::toString);
    assertTrue(lines.contains("gateway:      FAIL http://g not accepting connections"), lines::toString);
    assertTrue(lines.stream().anyMatch(l -> l.trim().equals("zone prod: production v2")), lines::toString);
  }

  @Test
  void approvalRows_sayWhoAsksForWhatExactly_keyedById() throws Exception {
    JsonNode approvals = json("[{'id':'apr_1','app_id':'app_7','expires_at':'2026-12-05T10:00:00Z','request':"
        + "{'method':'POST','path':'/payouts','scopes':['payouts:send']}},{'id':'apr_2','app_id':'app_8','expires_at':'t',"
        + "'request':{'mcp':{'method':'tools/call','tool':'send_mail','arguments':{'to':'x'}},'scopes':['mail:send']}}]");

    Selection rows = ConsoleText.approvalRows(approvals);

    assertEquals(List.of("apr_1", "apr_2"), rows.keys());
    String first = rows.rows().get(0);
    assertEquals(ConsoleText.APPROVAL_HEADER.indexOf(" APP ") + 1, first.indexOf("app_7"));
    assertEquals(ConsoleText.APPROVAL_HEADER.indexOf("REQUEST"), first.indexOf("POST /payouts (payouts:send)"), first);
    assertTrue(rows.rows().get(1).endsWith("tools/call send_mail {\"to\":\"x\"} (mail:send)"), rows.rows().get(1));
    assertEquals("app_8 tools/call send_mail {\"to\":\"x\"} (mail:send)", ConsoleText.approvalSummary(approvals, "apr_2"));
  }
}

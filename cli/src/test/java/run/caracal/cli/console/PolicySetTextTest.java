package run.caracal.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import run.caracal.cli.admin.AdminClient;
import run.caracal.cli.console.PolicySetText.SetVersion;

final class PolicySetTextTest {
  private static JsonNode json(String text) throws Exception {
    return AdminClient.JSON.readTree(text);
  }

  private static JsonNode history(String... activations) throws Exception {
    return json("{\"activations\":[" + String.join(",", activations) + "]}");
  }

  private static String activation(int seq, String set, Integer version, boolean shadow) {
    return "{\"seq\":" + seq + ",\"policy_set\":" + (set == null ? "null" : "\"" + set + "\"") + ",\"version\":" + version
        + ",\"shadow\":" + shadow + ",\"activated_at\":\"2026-01-0" + seq + "T00:00:00Z\",\"actor\":\"admin\"}";
  }

  @Test
  void rollbackTarget_isTheNewestEarlierActiveVersion_ignoringShadows() throws Exception {
    JsonNode h = history(activation(1, "default", 1, false), activation(2, "default", 2, false),
        activation(3, "default", 4, true), activation(4, "default", 3, false));

    assertEquals(Optional.of(new SetVersion("default", 2)), PolicySetText.rollbackTarget(h));
  }

  @Test
  void rollbackTarget_skipsReactivationsOfTheCurrentVersion() throws Exception {
    JsonNode h = history(activation(1, "default", 1, false), activation(2, "default", 2, false),
        activation(3, "default", 2, false));

    assertEquals(Optional.of(new SetVersion("default", 1)), PolicySetText.rollbackTarget(h));
  }

  @Test
  void rollbackTarget_nothingEarlier_isEmpty() throws Exception {
    assertEquals(Optional.empty(), PolicySetText.rollbackTarget(history(activation(1, "default", 1, false))));
    assertEquals(Optional.empty(), PolicySetText.rollbackTarget(history()));
    assertEquals(Optional.empty(), PolicySetText.rollbackTarget(history(activation(1, null, null, true))));
  }

  @Test
  void rows_markActiveAndShadow_newestFirst() throws Exception {
    JsonNode policies = json("""
        {"policy_sets":[
          {"name":"default","version":1,"sha256":"s1","policies":[{"name":"a","version":1}],"created_at":"t1"},
          {"name":"default","version":2,"sha256":"s2","policies":[{"name":"a","version":2},{"name":"b","version":1}],"created_at":"t2"},
          {"name":"strict","version":1,"sha256":"s3","policies":[],"created_at":"t3"}]}""");
    JsonNode zone = json("{\"active_policy_set\":{\"policy_set\":\"default\",\"version\":1},"
        + "\"shadow_policy_set\":{\"policy_set\":\"strict\",\"version\":1}}");

    Selection rows = PolicySetText.rows(policies, zone);

    assertEquals(List.of("default@2", "default@1", "strict@1"), rows.keys());
    assertTrue(rows.rows().get(0).startsWith("default               v2       2 "), rows.rows().get(0));
    assertTrue(rows.rows().get(1).endsWith("ACTIVE"), rows.rows().get(1));
    assertTrue(rows.rows().get(2).endsWith("shadow"), rows.rows().get(2));
  }

  @Test
  void detail_listsPinsStandingAndActivations() throws Exception {
    JsonNode set = json("{\"name\":\"default\",\"version\":2,\"sha256\":\"abc\",\"actor\":\"admin\",\"created_at\":\"t\","
        + "\"policies\":[{\"name\":\"a\",\"version\":2,\"sha256\":\"0123456789abcdef\"}]}");
    JsonNode zone = json("{\"active_policy_set\":{\"policy_set\":\"default\",\"version\":2}}");

    List<String> lines = PolicySetText.detail(set, zone, history(activation(1, "default", 1, false), activation(2, "default", 2, false)));

    assertTrue(lines.contains("active:      default v2"), lines.toString());
    assertTrue(lines.contains("rollback to: default v1"), lines.toString());
    assertTrue(lines.contains("  a v2  0123456789ab"), lines.toString());
    assertEquals("  #2  2026-01-02T00:00:00Z  active default v2  by admin", lines.get(lines.indexOf("activations of the zone, newest first") + 1));
  }

  @Test
  void setVersion_parsesItsKey() {
    assertEquals(new SetVersion("team@x", 12), SetVersion.parse("team@x@12"));
    assertEquals("default v3", new SetVersion("default", 3).toString());
  }
}

package run.caracal.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

final class SessionTreeTest {
  private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

  private static JsonNode json(String text) throws Exception {
    return new ObjectMapper().readTree(text.replace('\'', '"'));
  }

  @Test
  void rows_childrenFollowTheirParentIndented() throws Exception {
    JsonNode sessions = json("""
        [{'session_id':'s-child','application_id':'app-2','parent_session_id':'s-root','scopes':['a:read'],
          'expires_at':'2026-01-01T13:00:00Z','terminated_at':null},
         {'session_id':'s-other','application_id':'app-3','parent_session_id':null,'scopes':[],
          'expires_at':'2026-01-01T13:00:00Z','terminated_at':null},
         {'session_id':'s-root','application_id':'app-1','parent_session_id':null,'scopes':['a:read','a:write'],
          'expires_at':'2026-01-01T13:00:00Z','terminated_at':null},
         {'session_id':'s-grandchild','application_id':'app-4','parent_session_id':'s-child','scopes':['a:read'],
          'expires_at':'2026-01-01T13:00:00Z','terminated_at':null}]
        """);

    Selection s = SessionTree.rows(sessions, NOW);

    assertEquals(List.of("s-other", "s-root", "s-child", "s-grandchild"), s.keys());
    assertTrue(s.rows().get(1).startsWith("s-root "), s.rows().get(1));
    assertTrue(s.rows().get(2).startsWith("  └ s-child "), s.rows().get(2));
    assertTrue(s.rows().get(3).startsWith("    └ s-grandchild "), s.rows().get(3));
    assertTrue(s.rows().get(1).contains("a:read,a:write"), s.rows().get(1));
    assertTrue(s.rows().get(0).endsWith(" -"), s.rows().get(0));
  }

  @Test
  void rows_parentNotListed_isARoot() throws Exception {
    JsonNode sessions = json("[{'session_id':'s-orphan','application_id':'a','parent_session_id':'gone'}]");

    assertEquals(List.of("s-orphan"), SessionTree.rows(sessions, NOW).keys());
  }

  @Test
  void rows_aCycle_listsEachSessionOnce() throws Exception {
    JsonNode sessions = json("""
        [{'session_id':'a','parent_session_id':'b'},{'session_id':'b','parent_session_id':'a'}]
        """);

    assertEquals(List.of("a", "b"), SessionTree.rows(sessions, NOW).keys());
  }

  @Test
  void state_terminatedExpiredOrLive() throws Exception {
    assertEquals("terminated", SessionTree.state(json("{'terminated_at':'2026-01-01T11:00:00Z','expires_at':'2026-01-01T13:00:00Z'}"), NOW));
    assertEquals("expired", SessionTree.state(json("{'terminated_at':null,'expires_at':'2026-01-01T11:59:59Z'}"), NOW));
    assertEquals("live", SessionTree.state(json("{'expires_at':'2026-01-01T12:00:01Z'}"), NOW));
    assertEquals("live", SessionTree.state(json("{'expires_at':'soon'}"), NOW));
  }

  @Test
  void rows_none_isEmpty() throws Exception {
    assertTrue(SessionTree.rows(json("[]"), NOW).isEmpty());
  }
}

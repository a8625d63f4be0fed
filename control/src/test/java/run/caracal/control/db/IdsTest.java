package run.caracal.control.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class IdsTest {
  @Test
  void newRequestId_base32_uniqueAndOrderedByTime() throws Exception {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      String id = Ids.newRequestId();
      assertTrue(id.matches("req_[a-z2-7]{26}"), id);
      seen.add(id);
    }
    assertEquals(10_000, seen.size());
    String earlier = Ids.newRequestId();
    Thread.sleep(3);
    String later = Ids.newRequestId();
    assertTrue(earlier.substring(0, 14).compareTo(later.substring(0, 14)) < 0, earlier + " then " + later);
    assertTrue(Ids.newId("app").matches("app_[a-z2-7]{26}"));
  }
}

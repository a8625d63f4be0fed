package run.caracal.control.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import run.caracal.control.crypto.SecretBox;
import run.caracal.control.db.Jdbc;

class KeyRingTest {
  private static final java.util.concurrent.atomic.AtomicInteger ZONES = new java.util.concurrent.atomic.AtomicInteger();
  private static Jdbc jdbc;

  private String zone;
  private String otherZone;
  private SecretBox box;
  private TestDatabase.MutableClock clock;
  private KeyRing keys;

  @org.junit.jupiter.api.BeforeAll
  static void database() {
    jdbc = TestDatabase.fresh();
  }

  @BeforeEach
  void setUp() {
    zone = "zone_a" + ZONES.incrementAndGet();
    otherZone = "zone_b" + ZONES.get();
    TestDatabase.insertZone(jdbc, zone);
    TestDatabase.insertZone(jdbc, otherZone);
    box = SecretBox.withKey(new byte[32]);
    clock = new TestDatabase.MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
    keys = new KeyRing(jdbc, box, clock);
  }

  private Set<String> publishedKids(String zone) {
    return keys.published().stream().filter(k -> k.zoneId().equals(zone)).map(SigningKey::kid).collect(Collectors.toSet());
  }

  private KeyStatus status(String kid) {
    return jdbc.queryOne("select status from signing_keys where kid = ?", rs -> KeyStatus.fromId(rs.getString(1)), kid).orElseThrow();
  }

  @Test
  void ensure_newZone_makesCurrentAndNextEd25519Keys() {
    keys.ensure(zone);
    SigningKey current = keys.current(zone);
    assertEquals(KeyStatus.CURRENT, current.status());
    assertTrue(current.kid().startsWith(zone + "."), current.kid());
    assertEquals("Ed25519", current.jwk().getCurve().getName());
    assertTrue(current.jwk().isPrivate());
    assertFalse(current.publicJwk().isPrivate());
    Set<String> published = publishedKids(zone);
    assertEquals(2, published.size());
    assertTrue(published.contains(current.kid()));
  }

  @Test
  void ensure_twice_keepsTheSameKeys() {
    keys.ensure(zone);
    Set<String> before = publishedKids(zone);
    keys.ensure(zone);
    assertEquals(before, publishedKids(zone));
  }

  @Test
  void storage_privateKey_isSealedAndBoundToItsKid() {
    keys.ensure(zone);
    String kid = keys.current(zone).kid();
    String stored = jdbc.queryOne("select private_jwk from signing_keys where kid = ?", rs -> rs.getString(1), kid).orElseThrow();
    assertTrue(stored.startsWith("v1:"), stored);
    assertFalse(stored.contains("\"d\""), "private key stored in the clear");
    String publicJwk = jdbc.queryOne("select public_jwk from signing_keys where kid = ?", rs -> rs.getString(1), kid).orElseThrow();
    assertFalse(publicJwk.contains("\"d\""), publicJwk);
    // moved to another row, the sealed key does not open
    assertThrows(IllegalStateException.class, () -> box.open(stored, "signing-key:" + kid + "x"));
    // with another master key, nothing opens
    KeyRing wrongMaster = new KeyRing(jdbc, SecretBox.withKey(new byte[] {
        1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32}), clock);
    assertThrows(IllegalStateException.class, () -> wrongMaster.current(zone));
  }

  @Test
  void rotate_nextBecomesCurrent_oldRetiredAndPublishedUntilRetireTime() {
    keys.ensure(zone);
    String first = keys.current(zone).kid();
    String next = publishedKids(zone).stream().filter(k -> !k.equals(first)).findFirst().orElseThrow();
    assertEquals(KeyStatus.NEXT, status(next));

    keys.rotate(zone, Duration.ofMinutes(65));

    assertEquals(next, keys.current(zone).kid());
    assertEquals(KeyStatus.RETIRED, status(first));
    Set<String> published = publishedKids(zone);
    assertEquals(3, published.size(), published.toString());
    assertTrue(published.containsAll(Set.of(first, next)));
    String newNext = published.stream().filter(k -> !k.equals(first) && !k.equals(next)).findFirst().orElseThrow();
    assertEquals(KeyStatus.NEXT, status(newNext));
    assertTrue(keys.find(first).isPresent(), "retired key still verifies its tokens");
    assertEquals(Instant.parse("2030-01-01T01:05:00Z"), keys.find(first).orElseThrow().retireAfter().orElseThrow());

    clock.advance(Duration.ofMinutes(64));
    assertTrue(keys.find(first).isPresent());
    assertTrue(publishedKids(zone).contains(first));

    clock.advance(Duration.ofMinutes(1));
    assertTrue(keys.find(first).isEmpty(), "retired key is gone once its tokens have expired");
    assertEquals(Set.of(next, newNext), publishedKids(zone));
  }

  @Test
  void rotate_twice_keepsEveryUnexpiredRetiredKey() {
    keys.ensure(zone);
    String k1 = keys.current(zone).kid();
    keys.rotate(zone, Duration.ofMinutes(10));
    String k2 = keys.current(zone).kid();
    clock.advance(Duration.ofMinutes(5));
    keys.rotate(zone, Duration.ofMinutes(10));
    String k3 = keys.current(zone).kid();
    assertNotEquals(k2, k3);
    assertTrue(publishedKids(zone).containsAll(List.of(k1, k2, k3)));
    assertEquals(4, publishedKids(zone).size());
    clock.advance(Duration.ofMinutes(5));
    assertFalse(publishedKids(zone).contains(k1));
    assertTrue(publishedKids(zone).contains(k2));
    assertEquals(3, publishedKids(zone).size());
  }

  @Test
  void rotate_oneZone_leavesOtherZonesAlone() {
    keys.ensure(zone);
    keys.ensure(otherZone);
    String other = keys.current(otherZone).kid();
    Set<String> otherPublished = publishedKids(otherZone);
    keys.rotate(zone, Duration.ofMinutes(10));
    assertEquals(other, keys.current(otherZone).kid());
    assertEquals(otherPublished, publishedKids(otherZone));
  }

  @Test
  void rotate_seenByAnotherRing_afterRefresh() {
    keys.ensure(zone);
    KeyRing replica = new KeyRing(jdbc, box, clock);
    String before = replica.current(zone).kid();
    keys.rotate(zone, Duration.ofMinutes(10));
    assertEquals(before, replica.current(zone).kid(), "cached until refreshed");
    replica.refresh();
    assertEquals(keys.current(zone).kid(), replica.current(zone).kid());
  }

  @Test
  void current_zoneWithoutKeys_fails() {
    assertThrows(IllegalStateException.class, () -> keys.current(zone));
  }
}

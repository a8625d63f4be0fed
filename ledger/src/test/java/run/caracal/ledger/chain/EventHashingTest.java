package run.caracal.ledger.chain;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import run.caracal.ledger.event.Decision;
import run.caracal.ledger.event.Fingerprint;
import run.caracal.ledger.event.LedgerEvent;

/** The canonical encoding is a contract: these golden values were computed independently. */
class EventHashingTest {
  static final String CHAIN = "c0ffee00-0000-4000-8000-000000000001";

  static LedgerEvent sample() {
    return LedgerEvent.builder("gateway.decision")
        .id("evt-1")
        .occurredAt(Instant.parse("2026-11-05T09:30:00.123456789Z"))
        .requestId("req-1").traceId("trace-1").sessionId("sess-1")
        .token(new Fingerprint("AAAAAAAAAAAAAAAAAAAAAA"))
        .zone("prod").app("app-1").resource("resource://billing-api").actor("agent-1")
        .decision(Decision.DENY)
        .explanation("{\"reason\":\"tab\\there\",\"x\":\"\u00e9\u0001\"}")
        .build();
  }

  @Test
  void canonical_sampleEvent_matchesIndependentJcsEncoding() {
    String expected = "{\"actor\":\"agent-1\",\"app\":\"app-1\",\"chain_id\":\"" + CHAIN
        + "\",\"decision\":\"deny\",\"event_id\":\"evt-1\",\"event_type\":\"gateway.decision\","
        + "\"explanation\":\"{\\\"reason\\\":\\\"tab\\\\there\\\",\\\"x\\\":\\\"\u00e9\\u0001\\\"}\","
        + "\"occurred_at\":\"2026-11-05T09:30:00.123456Z\",\"prev_hash\":\"" + Hashes.ZERO
        + "\",\"request_id\":\"req-1\",\"resource\":\"resource://billing-api\",\"seq\":1,"
        + "\"session_id\":\"sess-1\",\"token_fp\":\"AAAAAAAAAAAAAAAAAAAAAA\","
        + "\"trace_id\":\"trace-1\",\"v\":1,\"zone\":\"prod\"}";
    assertEquals(expected, EventHashing.canonical(sample(), CHAIN, 1, Hashes.ZERO));
  }

  @Test
  void hash_sampleEvent_matchesGoldenValue() {
    assertEquals("6568320ff82369afb7f410638cf07e12d9221b07f896b3e1fe626dadac24387e",
        EventHashing.hash(sample(), CHAIN, 1, Hashes.ZERO));
  }

  @Test
  void canonicalJson_keysOutOfOrder_throws() {
    CanonicalJson json = new CanonicalJson(16).str("b", "1");
    assertThrows(IllegalStateException.class, () -> json.str("a", "2"));
  }

  @Test
  void canonicalJson_controlCharacters_useJcsEscapes() {
    String out = new CanonicalJson(16).str("k", "\b\f\n\r\t\u001f/\u2028").finish();
    assertEquals("{\"k\":\"\\b\\f\\n\\r\\t\\u001f/\u2028\"}", out);
  }

  @Test
  void registryEntry_hashCoversEveryField() {
    ChainRecord r = ChainRecord.next(RegistryHead.EMPTY, CHAIN,
        Instant.parse("2026-11-05T09:00:00Z"), "pid 1@host");
    assertEquals("{\"chain_id\":\"" + CHAIN + "\",\"ordinal\":1,\"prev_hash\":\"" + Hashes.ZERO
        + "\",\"started_at\":\"2026-11-05T09:00:00.000000Z\",\"v\":1,\"writer\":\"pid 1@host\"}",
        ChainRecord.canonical(1, CHAIN, r.startedAt(), r.writer(), Hashes.ZERO));
    assertEquals(Hashes.sha256Hex(ChainRecord.canonical(1, CHAIN, r.startedAt(), r.writer(),
        Hashes.ZERO)), r.hash());
  }
}

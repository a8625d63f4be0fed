package run.caracal.ledger.support;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.event.Decision;
import run.caracal.ledger.event.EventTypes;
import run.caracal.ledger.event.Fingerprint;
import run.caracal.ledger.event.LedgerEvent;

/** Sample events for tests. */
public final class Events {
  public static final Instant T0 = Instant.parse("2026-11-05T09:30:00.123456Z");

  private Events() {}

  public static LedgerEvent decision(int i) {
    return LedgerEvent.builder(EventTypes.GATEWAY_DECISION)
        .id("evt-" + i)
        .occurredAt(T0.plusMillis(i))
        .requestId("req-" + i)
        .traceId("trace-" + (i / 10))
        .sessionId("sess-" + (i / 5))
        .token(Fingerprint.of("jti-" + (i / 5)))
        .zone(i % 2 == 0 ? "prod" : "dev")
        .app("app-" + (i % 3))
        .resource("resource://billing-api")
        .actor("agent-" + (i % 3))
        .decision(i % 4 == 0 ? Decision.DENY : Decision.ALLOW)
        .explanation("{\"scopes\":[\"billing:charge\"],\"n\":" + i + ",\"note\":\"caf\u00e9 \\\"q\\\"\"}")
        .build();
  }

  /** Appends events 1..n one by one and waits for each. */
  public static List<AppendedEvent> appendAll(Ledger ledger, int from, int to) {
    return java.util.stream.IntStream.rangeClosed(from, to)
        .mapToObj(i -> ledger.append(decision(i)))
        .toList()
        .stream()
        .map(CompletableFuture::join)
        .toList();
  }
}

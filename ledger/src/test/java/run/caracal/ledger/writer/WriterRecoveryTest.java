package run.caracal.ledger.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerException;
import run.caracal.ledger.chain.ChainHead;
import run.caracal.ledger.chain.ChainRecord;
import run.caracal.ledger.chain.RegistryHead;
import run.caracal.ledger.checkpoint.Checkpoint;
import run.caracal.ledger.checkpoint.SigningKey;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.query.EventFilter;
import run.caracal.ledger.query.EventPage;
import run.caracal.ledger.query.PageRequest;
import run.caracal.ledger.store.DataSources;
import run.caracal.ledger.store.JdbcLedgerStore;
import run.caracal.ledger.store.LedgerSnapshot;
import run.caracal.ledger.store.LedgerStore;
import run.caracal.ledger.support.DbKind;
import run.caracal.ledger.support.Events;
import run.caracal.ledger.support.TestDatabase;

/**
 * A failed commit is checked against the chain head before anything else: a batch that did land
 * (only its acknowledgement was lost) is reported committed and never written twice; a batch that
 * did not land is retried once. The database is real; a decorator over the real store fails
 * chosen appends, before or after the real commit.
 */
class WriterRecoveryTest {
  @TempDir Path tmp;

  /** Where the injected failure happens relative to the real append. */
  enum Fault { BEFORE_COMMIT, AFTER_COMMIT }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void append_commitFailsOnceBeforeItLands_retriedAndCommittedOnce(DbKind kind) throws Exception {
    run(kind, Fault.BEFORE_COMMIT, 1, 5);
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void append_acknowledgementLostAfterTheCommit_reportedCommittedNotWrittenTwice(DbKind kind) throws Exception {
    run(kind, Fault.AFTER_COMMIT, 1, 5);
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void append_failsTwice_everyCallerFailsAndNothingIsWritten(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    try (Ledger ignored = db.open(); HikariDataSource pool = DataSources.pool(db.url(), db.user(), "", 2)) {
      FlakyStore store = new FlakyStore(new JdbcLedgerStore(pool), Fault.BEFORE_COMMIT, 2);
      try (GroupCommitWriter writer = writer(store, db)) {
        writer.submit(Events.decision(1)).get(20, TimeUnit.SECONDS);
        store.armed.set(true);
        CompletableFuture<AppendedEvent> failing = writer.submit(Events.decision(2));
        CompletionException e = assertThrows(CompletionException.class, failing::join);
        assertEquals("ledger_write_failed", assertInstanceOf(LedgerException.class, e.getCause()).code());
        AppendedEvent next = writer.submit(Events.decision(3)).get(20, TimeUnit.SECONDS);
        assertEquals(2, next.seq(), "no gap and no fork after the failed batch");
      }
    }
    assertEquals(0, db.count("SELECT COUNT(*) FROM ledger_event WHERE event_id = 'evt-2'"));
    try (Ledger ledger = db.open()) {
      assertTrue(ledger.verify().ok(), ledger.verify().summary());
    }
  }

  private void run(DbKind kind, Fault fault, int failures, int events) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    List<AppendedEvent> done = new ArrayList<>();
    try (Ledger ignored = db.open(); HikariDataSource pool = DataSources.pool(db.url(), db.user(), "", 2)) {
      FlakyStore store = new FlakyStore(new JdbcLedgerStore(pool), fault, failures);
      try (GroupCommitWriter writer = writer(store, db)) {
        done.add(writer.submit(Events.decision(1)).get(20, TimeUnit.SECONDS));
        store.armed.set(true);
        for (int i = 2; i <= events; i++) {
          done.add(writer.submit(Events.decision(i)).get(20, TimeUnit.SECONDS));
        }
      }
      assertEquals(failures, store.injected.get(), "the fault was injected");
    }
    for (int i = 0; i < done.size(); i++) {
      assertEquals(i + 1, done.get(i).seq());
    }
    assertEquals(events, db.count("SELECT COUNT(*) FROM ledger_event"), "every event exactly once");
    try (Ledger ledger = db.open()) {
      var report = ledger.verify();
      assertTrue(report.ok(), report.summary());
      assertEquals(events, report.events());
    }
  }

  private static GroupCommitWriter writer(LedgerStore store, TestDatabase db) {
    return new GroupCommitWriter(store, SigningKey.loadOrCreate(db.keyDir()), "chain-recovery", "test", Clock.systemUTC(),
        WriterSettings.DEFAULTS.withCheckpoints(3, Duration.ofMinutes(10)).withMaxBatch(1));
  }

  /** The real store, with the next {@code failures} appends failing once armed. */
  private static final class FlakyStore implements LedgerStore {
    private final LedgerStore real;
    private final Fault fault;
    private final AtomicInteger remaining;
    final java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
    final AtomicInteger injected = new AtomicInteger();

    FlakyStore(LedgerStore real, Fault fault, int failures) {
      this.real = real;
      this.fault = fault;
      this.remaining = new AtomicInteger(failures);
    }

    @Override
    public void append(List<AppendedEvent> events, Optional<Checkpoint> checkpoint) {
      boolean fail = armed.get() && remaining.getAndDecrement() > 0;
      if (fail && fault == Fault.BEFORE_COMMIT) {
        injected.incrementAndGet();
        throw new LedgerException("ledger_store_failed", "injected: the connection died before the commit");
      }
      real.append(events, checkpoint);
      if (fail) {
        injected.incrementAndGet();
        throw new LedgerException("ledger_store_failed", "injected: the commit landed but its acknowledgement was lost");
      }
    }

    @Override
    public RegistryHead registryHead() {
      return real.registryHead();
    }

    @Override
    public ChainRecord registerChain(String chainId, Instant startedAt, String writer) {
      return real.registerChain(chainId, startedAt, writer);
    }

    @Override
    public ChainHead chainHead(String chainId) {
      return real.chainHead(chainId);
    }

    @Override
    public void appendCheckpoint(Checkpoint checkpoint) {
      real.appendCheckpoint(checkpoint);
    }

    @Override
    public List<AppendedEvent> byRequestId(String requestId) {
      return real.byRequestId(requestId);
    }

    @Override
    public List<AppendedEvent> byTraceId(String traceId, boolean related, int limit) {
      return real.byTraceId(traceId, related, limit);
    }

    @Override
    public EventPage list(EventFilter filter, PageRequest page) {
      return real.list(filter, page);
    }

    @Override
    public <T> T snapshot(Function<LedgerSnapshot, T> reader) {
      return real.snapshot(reader);
    }
  }
}

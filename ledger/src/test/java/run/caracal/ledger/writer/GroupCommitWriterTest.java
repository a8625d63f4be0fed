package run.caracal.ledger.writer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerException;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.support.DbKind;
import run.caracal.ledger.support.Events;
import run.caracal.ledger.support.TestDatabase;

class GroupCommitWriterTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void append_manyThreads_allCommitContiguouslyAndVerify(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    int threads = 32;
    int perThread = 150;
    ConcurrentLinkedQueue<AppendedEvent> done = new ConcurrentLinkedQueue<>();
    try (Ledger ledger = db.open()) {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      List<CompletableFuture<?>> all = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int base = t * perThread;
        all.add(CompletableFuture.runAsync(() -> {
          for (int i = 0; i < perThread; i++) {
            done.add(ledger.append(Events.decision(base + i)).join());
          }
        }, pool));
      }
      CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      pool.shutdown();
      assertEquals(threads * perThread, done.size());
      long[] seqs = done.stream().mapToLong(AppendedEvent::seq).sorted().toArray();
      for (int i = 0; i < seqs.length; i++) {
        assertEquals(i + 1, seqs[i]);
      }
      var report = ledger.verify();
      assertTrue(report.ok(), report.summary());
      assertEquals(threads * perThread, report.events());
    }
    long batches = db.count("SELECT COUNT(*) FROM ledger_checkpoint");
    assertTrue(batches >= 1);
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void append_commitFails_everyFutureOfBatchFailsThenChainContinues(DbKind kind)
      throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    try (Ledger ledger = db.open()) {
      Events.appendAll(ledger, 1, 5);
      db.sql("ALTER TABLE ledger_event RENAME TO ledger_event_away");
      List<CompletableFuture<AppendedEvent>> failing = new ArrayList<>();
      for (int i = 6; i <= 40; i++) {
        failing.add(ledger.append(Events.decision(i)));
      }
      for (CompletableFuture<AppendedEvent> f : failing) {
        CompletionException e = assertThrows(CompletionException.class, f::join);
        assertEquals("ledger_write_failed", assertInstanceOf(LedgerException.class,
            e.getCause()).code());
      }
      db.sql("ALTER TABLE ledger_event_away RENAME TO ledger_event");
      List<AppendedEvent> after = Events.appendAll(ledger, 41, 50);
      assertEquals(6, after.get(0).seq()); // no gap, no fork: continues after the head
      var report = ledger.verify();
      assertTrue(report.ok(), report.summary());
      assertEquals(15, report.events());
    }
    assertEquals(0, db.count("SELECT COUNT(*) FROM ledger_event WHERE event_id = 'evt-6'"));
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void append_queueFull_failsWithOverloadedAfterTimeout(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    WriterSettings tiny = WriterSettings.DEFAULTS.withQueue(4, Duration.ofMillis(100));
    try (Ledger ledger = Ledger.open(db.config().withWriter(tiny))) {
      AppendedEvent first = Events.appendAll(ledger, 1, 1).get(0);
      List<CompletableFuture<AppendedEvent>> queued = new ArrayList<>();
      try (Connection blocker = db.connect()) {
        blocker.setAutoCommit(false); // holds the key (chain, 2): the writer's insert waits
        try (PreparedStatement ps = blocker.prepareStatement("INSERT INTO ledger_event (chain_id,"
            + " seq, event_id, event_type, decision, occurred_at, prev_hash, hash) VALUES"
            + " (?, 2, 'x', 'authorization', 'none', CURRENT_TIMESTAMP, ?, ?)")) {
          ps.setString(1, first.chainId());
          ps.setString(2, "0".repeat(64));
          ps.setString(3, "0".repeat(64));
          ps.executeUpdate();
        }
        queued.add(ledger.append(Events.decision(2)));
        Thread.sleep(300); // the writer takes event 2 and blocks on the key
        for (int i = 3; i <= 6; i++) {
          queued.add(ledger.append(Events.decision(i)));
        }
        long start = System.nanoTime();
        CompletableFuture<AppendedEvent> rejected = ledger.append(Events.decision(7));
        assertTrue(System.nanoTime() - start >= 90_000_000L, "caller blocked for the timeout");
        CompletionException e = assertThrows(CompletionException.class, rejected::join);
        assertEquals("ledger_overloaded", ((LedgerException) e.getCause()).code());
        assertFalse(queued.get(1).isDone());
        blocker.rollback();
      }
      for (CompletableFuture<AppendedEvent> f : queued) {
        f.get(20, TimeUnit.SECONDS);
      }
      assertTrue(ledger.verify().ok());
    }
  }
}

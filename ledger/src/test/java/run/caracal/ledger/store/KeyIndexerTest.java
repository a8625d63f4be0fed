package run.caracal.ledger.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.checkpoint.SigningKey;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.event.Decision;
import run.caracal.ledger.event.Fingerprint;
import run.caracal.ledger.event.LedgerEvent;
import run.caracal.ledger.support.DbKind;
import run.caracal.ledger.support.Events;
import run.caracal.ledger.support.TestDatabase;
import run.caracal.ledger.writer.GroupCommitWriter;
import run.caracal.ledger.writer.WriterSettings;

/**
 * Lookups by request, trace, session and token give the same answer whether the indexer has
 * reached an event or not, and several indexers never index an event twice or skip one. Real
 * databases; the writer runs without a {@link Ledger} so that only the test moves the index.
 */
class KeyIndexerTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void lookups_sameAnswerBeforeDuringAndAfterIndexing(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    try (Ledger ignored = db.open(); HikariDataSource pool = DataSources.pool(db.url(), db.user(), "", 4);
        HikariDataSource index = indexPool(db, pool)) {
      JdbcLedgerStore store = new JdbcLedgerStore(pool, index);
      append(store, db, "chain-a", 1, 30);
      append(store, db, "chain-b", 31, 32); // a second process's chain
      KeyIndexer indexer = new KeyIndexer(pool, index);
      assertEquals(32, indexer.backlog());
      List<List<String>> before = lookups(store);
      assertEquals(List.of("evt-7"), before.get(0));
      assertEquals(11, before.get(1).size(), "trace-1 is events 10..19 and the STS-like event 31 via sess-2");

      assertEquals(7 + 2, indexer.indexOnce(7)); // part of chain-a, all of chain-b
      assertEquals(23, indexer.backlog());
      assertEquals(before, lookups(store), "half indexed: index below the watermark, scan above it");

      while (indexer.indexOnce(KeyIndexer.BATCH) > 0) {
        // until nothing is left
      }
      assertEquals(0, indexer.backlog());
      assertEquals(before, lookups(store), "fully indexed");
      // events 1..30 and 32 carry all four keys; event 31 has no request or trace id
      assertEquals(31 * 4 + 2, count(index, "SELECT COUNT(*) FROM ledger_key"));
      assertEquals(30, count(index, "SELECT seq FROM ledger_index_head WHERE chain_id = 'chain-a'"));
    }
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void committedKeys_indexedFromTheFeed_rowsReadOnlyAcrossAGap(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    try (Ledger ignored = db.open(); HikariDataSource pool = DataSources.pool(db.url(), db.user(), "", 4);
        HikariDataSource index = indexPool(db, pool)) {
      JdbcLedgerStore store = new JdbcLedgerStore(pool, index);
      KeyIndexer indexer = new KeyIndexer(pool, index);
      AtomicBoolean feeding = new AtomicBoolean();
      try (GroupCommitWriter writer = new GroupCommitWriter(store, SigningKey.loadOrCreate(db.keyDir()), "chain-a",
          "test", Clock.systemUTC(), WriterSettings.DEFAULTS, rows -> {
            if (feeding.get()) {
              indexer.committed(rows);
            }
          })) {
        feeding.set(false);
        submit(writer, 1, 10); // before this process: not in the feed
        feeding.set(true);
        submit(writer, 11, 20);
        assertEquals(10, indexer.indexOnce(KeyIndexer.BATCH), "1..10 read from their rows, up to the feed");
        assertEquals(10, indexer.indexOnce(KeyIndexer.BATCH), "11..20 from the feed");
        assertEquals(10, indexer.rowsRead());

        submit(writer, 21, 30);
        assertEquals(10, indexer.indexOnce(KeyIndexer.BATCH));
        assertEquals(10, indexer.rowsRead(), "the feed continues the watermark: no row read");

        feeding.set(false);
        submit(writer, 31, 34); // commits the feed never saw
        feeding.set(true);
        submit(writer, 35, 40);
        assertEquals(4, indexer.indexOnce(KeyIndexer.BATCH), "the gap is read from the rows");
        assertEquals(14, indexer.rowsRead());
        assertEquals(6, indexer.indexOnce(KeyIndexer.BATCH), "then the feed again");
        assertEquals(14, indexer.rowsRead());
      }
      assertEquals(0, indexer.indexOnce(KeyIndexer.BATCH));
      assertEquals(0, indexer.backlog());

      // the same keys as indexing every row: events 1..40 carry four keys, event 31 two
      assertEquals(39 * 4 + 2, count(index, "SELECT COUNT(*) FROM ledger_key"));
      assertEquals(List.of("evt-27"), ids(store.byRequestId("req-27")));
      assertEquals(List.of("evt-12"), ids(store.byRequestId("req-12")));
    }
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void indexers_racing_eachEventIndexedExactlyOnce(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    try (Ledger ignored = db.open(); HikariDataSource pool = DataSources.pool(db.url(), db.user(), "", 4);
        HikariDataSource index = indexPool(db, pool); HikariDataSource other = indexPool(db, pool)) {
      JdbcLedgerStore store = new JdbcLedgerStore(pool, index);
      append(store, db, "chain-a", 1, 200);
      List<CompletableFuture<Void>> runs = new ArrayList<>();
      for (HikariDataSource ds : List.of(index, other, index)) {
        KeyIndexer indexer = new KeyIndexer(pool, ds);
        runs.add(CompletableFuture.runAsync(() -> {
          while (indexer.backlog() > 0) {
            indexer.indexOnce(3);
          }
        }));
      }
      CompletableFuture.allOf(runs.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      assertEquals(200 * 4 - 2, count(index, "SELECT COUNT(*) FROM ledger_key")); // event 31: no request, no trace
      assertEquals(199, count(index, "SELECT COUNT(DISTINCT seq) FROM ledger_key WHERE key_value LIKE 'r:%'"));
    }
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void ledger_indexesInTheBackground(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    try (Ledger ledger = db.open()) {
      Events.appendAll(ledger, 1, 50);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (ledger.indexBacklog() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(0, ledger.indexBacklog());
      assertEquals(List.of("evt-42"), ledger.byRequestId("req-42").stream().map(e -> e.event().id()).toList());
    }
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void migration_fromVersion1_indexesExistingEvents(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    try (HikariDataSource pool = DataSources.pool(db.url(), db.user(), "", 2)) {
      Flyway.configure(SchemaMigrator.class.getClassLoader()).dataSource(pool).locations(SchemaMigrator.LOCATION)
          .table(SchemaMigrator.HISTORY_TABLE).target("1").load().migrate();
      db.sql("INSERT INTO ledger_chain VALUES (1, 'old', TIMESTAMP WITH TIME ZONE '2026-11-01 10:00:00+00', 'pid 1',"
          + " '" + "0".repeat(64) + "', '" + "1".repeat(64) + "')");
      for (int seq = 1; seq <= 3; seq++) {
        db.sql("INSERT INTO ledger_event (chain_id, seq, event_id, event_type, decision, occurred_at, request_id,"
            + " trace_id, session_id, prev_hash, hash) VALUES ('old', " + seq + ", 'evt-" + seq + "', 'gateway.decision',"
            + " 'allow', TIMESTAMP WITH TIME ZONE '2026-11-01 10:00:0" + seq + "+00', 'req-" + seq + "', 'trace-x', 'sess-1',"
            + " '" + "0".repeat(64) + "', '" + "0".repeat(64) + "')");
      }
      try (HikariDataSource index = indexPool(db, pool)) {
        SchemaMigrator.migrate(pool);
        JdbcLedgerStore store = new JdbcLedgerStore(pool, index);
        KeyIndexer indexer = new KeyIndexer(pool, index);
        assertEquals(3, indexer.backlog(), "events written before the index existed");
        assertEquals(List.of("evt-2"), store.byRequestId("req-2").stream().map(e -> e.event().id()).toList());
        assertEquals(3, indexer.indexOnce(KeyIndexer.BATCH));
        assertEquals(3 * 3, count(index, "SELECT COUNT(*) FROM ledger_key"));
        assertEquals(List.of("evt-2"), store.byRequestId("req-2").stream().map(e -> e.event().id()).toList());
        assertEquals(3, store.byTraceId("trace-x", true, 10).size());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void indexVersion2_keepsTheKeysOfVersion1(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    try (HikariDataSource pool = DataSources.pool(db.url(), db.user(), "", 2)) {
      String url = DataSources.h2IndexUrl(pool.getJdbcUrl()).orElse(db.url());
      try (HikariDataSource index = DataSources.pool(url, db.user(), "", 2)) {
        Flyway.configure(SchemaMigrator.class.getClassLoader()).dataSource(index).locations(SchemaMigrator.INDEX_LOCATION)
            .table(SchemaMigrator.INDEX_HISTORY_TABLE).target("1").load().migrate();
        sql(index, "INSERT INTO ledger_key VALUES ('r:req-9', 'old', 9)");
        sql(index, "INSERT INTO ledger_index_head VALUES ('old', 9)");

        SchemaMigrator.migrateIndex(index);

        assertEquals(1, count(index, "SELECT COUNT(*) FROM ledger_key WHERE key_value = 'r:req-9' AND seq = 9"));
        sql(index, "INSERT INTO ledger_key VALUES ('r:req-9', 'old', 9)"); // no uniqueness check any more
        assertEquals(2, count(index, "SELECT COUNT(*) FROM ledger_key"));
      }
    }
  }

  private static void sql(HikariDataSource ds, String statement) throws Exception {
    try (var c = ds.getConnection(); var s = c.createStatement()) {
      s.execute(statement);
    }
  }

  /** The key index as the ledger places it: its own file beside H2, the same database on PostgreSQL. */
  private static HikariDataSource indexPool(TestDatabase db, HikariDataSource ledger) {
    String url = DataSources.h2IndexUrl(ledger.getJdbcUrl()).orElse(db.url());
    HikariDataSource index = DataSources.pool(url, db.user(), "", 4);
    SchemaMigrator.migrateIndex(index);
    return index;
  }

  private static long count(HikariDataSource ds, String query) throws Exception {
    try (var c = ds.getConnection(); var rs = c.createStatement().executeQuery(query)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Events from..to on {@code chainId}; event 31 looks like an STS event (no request or trace id). */
  private static void append(JdbcLedgerStore store, TestDatabase db, String chainId, int from, int to) throws Exception {
    try (GroupCommitWriter writer = new GroupCommitWriter(store, SigningKey.loadOrCreate(db.keyDir()), chainId, "test",
        Clock.systemUTC(), WriterSettings.DEFAULTS.withCheckpoints(1000, Duration.ofMinutes(10)))) {
      submit(writer, from, to);
    }
  }

  /** Submits events from..to and waits for their commits (event 31 as described above). */
  private static void submit(GroupCommitWriter writer, int from, int to) throws Exception {
    List<CompletableFuture<AppendedEvent>> done = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      done.add(writer.submit(i != 31 ? Events.decision(i)
          : LedgerEvent.builder("authorization").id("evt-31").occurredAt(Events.T0.plusMillis(31))
              .sessionId("sess-2").token(Fingerprint.of("jti-2")).decision(Decision.ALLOW).build()));
    }
    for (CompletableFuture<AppendedEvent> f : done) {
      f.get(20, TimeUnit.SECONDS);
    }
  }

  private static List<List<String>> lookups(JdbcLedgerStore store) {
    return List.of(ids(store.byRequestId("req-7")), ids(store.byTraceId("trace-1", true, 100)),
        ids(store.byTraceId("trace-2", false, 100)));
  }

  private static List<String> ids(List<AppendedEvent> events) {
    assertTrue(events.stream().map(e -> e.chainId() + e.seq()).distinct().count() == events.size(), "no duplicates");
    return events.stream().map(e -> e.event().id()).toList();
  }
}

package run.caracal.ledger;

import com.zaxxer.hikari.HikariDataSource;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import javax.sql.DataSource;
import run.caracal.ledger.checkpoint.SigningKey;
import run.caracal.ledger.checkpoint.TrustedKeys;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.event.LedgerEvent;
import run.caracal.ledger.event.SecretGuard;
import run.caracal.ledger.export.NdjsonExporter;
import run.caracal.ledger.journal.JournalRecovery;
import run.caracal.ledger.journal.JournaledStore;
import run.caracal.ledger.query.EventFilter;
import run.caracal.ledger.query.EventPage;
import run.caracal.ledger.query.PageRequest;
import run.caracal.ledger.store.DataSources;
import run.caracal.ledger.store.JdbcLedgerStore;
import run.caracal.ledger.store.KeyIndexer;
import run.caracal.ledger.store.LedgerStore;
import run.caracal.ledger.store.SchemaMigrator;
import run.caracal.ledger.verify.SnapshotVerifier;
import run.caracal.ledger.verify.VerificationReport;
import run.caracal.ledger.writer.GroupCommitWriter;

/**
 * The ledger: append-only, hash-chained, checkpointed event store.
 *
 * <p>{@link #append} is durable when its future completes: the event's transaction has
 * committed (on H2 written to the file; see docs/ledger.md), or, with a journal configured, the
 * event is written to the local journal, from which the database is filled asynchronously
 * (queries through this instance wait for what it journaled). This instance writes to its own
 * chain, created (with a new id, registered in the chain registry) on the first append; a
 * ledger that is only read never creates a chain. Queries, {@link #verify()} and
 * {@link #export} read the database and see every writer's chains.
 *
 * <p>Thread-safe: share one instance per process. Closing writes what is queued and a final
 * checkpoint; the ledger closes the connection pool it created (not an external data source).
 */
public final class Ledger implements AutoCloseable {
  private final LedgerConfig config;
  private final DataSource dataSource;
  private final DataSource indexSource;
  private final LedgerStore store;
  private final Optional<JournaledStore> journal;
  private final SigningKey key;
  private final Object writerLock = new Object();
  private volatile GroupCommitWriter writer;
  private volatile KeyIndexer indexer;
  private volatile boolean closed;

  private Ledger(LedgerConfig config, DataSource dataSource, DataSource indexSource, LedgerStore database,
      SigningKey key) {
    this.config = config;
    this.dataSource = dataSource;
    this.indexSource = indexSource;
    this.journal = config.journal().map(settings -> new JournaledStore(database, settings));
    this.store = journal.<LedgerStore>map(j -> j).orElse(database);
    this.key = key;
  }

  /**
   * Opens the ledger: connects, migrates the schema (unless disabled) and loads or creates the
   * checkpoint signing key.
   *
   * @throws LedgerException {@code ledger_storage_error}, {@code ledger_migration_failed},
   *     {@code key_file_insecure}, {@code key_file_invalid} or {@code ledger_journal_invalid}
   *     (when a journal is configured, what an earlier process left in it is put into the database
   *     first; see {@link JournalRecovery})
   */
  public static Ledger open(LedgerConfig config) {
    DataSource ds = dataSource(config);
    DataSource index = ds;
    try {
      index = indexSource(ds);
      if (config.migrate()) {
        SchemaMigrator.migrate(ds);
      }
      SchemaMigrator.migrateIndex(index);
      SigningKey key = SigningKey.loadOrCreate(config.keyDirectory());
      LedgerStore database = new JdbcLedgerStore(ds, index);
      config.journal().ifPresent(j -> JournalRecovery.recover(j.directory(), database));
      return new Ledger(config, ds, index, database, key);
    } catch (RuntimeException e) {
      if (index != ds && index instanceof HikariDataSource pool) {
        pool.close();
      }
      if (ds instanceof HikariDataSource pool && !(config.database()
          instanceof LedgerDatabase.External)) {
        pool.close();
      }
      throw e;
    }
  }

  /** The key index's own H2 file beside an embedded H2 ledger, else the ledger's database. */
  private static DataSource indexSource(DataSource ledger) {
    String url;
    try (Connection c = ledger.getConnection()) {
      url = c.getMetaData().getURL();
    } catch (SQLException e) {
      throw new LedgerException("ledger_storage_error", "cannot open the ledger database: "
          + String.valueOf(e.getMessage()).lines().findFirst().orElse(""), e);
    }
    return DataSources.h2IndexUrl(url).<DataSource>map(u -> DataSources.pool(u, "sa", "", 4)).orElse(ledger);
  }

  private static DataSource dataSource(LedgerConfig config) {
    try {
      if (config.database() instanceof LedgerDatabase.H2File h2) {
        Path dir = h2.directory();
        Files.createDirectories(dir);
        return DataSources.pool(DataSources.h2Url(dir), "sa", "", config.poolSize());
      }
      if (config.database() instanceof LedgerDatabase.Jdbc jdbc) {
        return DataSources.pool(jdbc.url(), jdbc.user(), jdbc.password(), config.poolSize());
      }
      return ((LedgerDatabase.External) config.database()).dataSource();
    } catch (Exception e) {
      throw new LedgerException("ledger_storage_error",
          "cannot open the ledger database: " + String.valueOf(e.getMessage()).lines()
              .findFirst().orElse(""), e);
    }
  }

  /**
   * A builder for an event of {@code type} with a new random id and the current time from the
   * configured clock.
   */
  public LedgerEvent.Builder newEvent(String type) {
    return LedgerEvent.builder(type).id(randomId())
        .occurredAt(config.clock().instant());
  }

  /**
   * A random (version 4) UUID from the thread's fast generator: an event id must be unique, not
   * unguessable, and {@code UUID.randomUUID()} serializes every request thread on the system's
   * secure random source.
   */
  private static String randomId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L;
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L;
    return new UUID(high, low).toString();
  }

  /**
   * Appends an event after {@link SecretGuard} has redacted its explanation.
   *
   * @return a future that completes with the recorded event once its batch has committed, or
   *     exceptionally with a {@link LedgerException}: {@code ledger_write_failed} (the batch's
   *     commit failed: treat the action as not recorded and fail closed),
   *     {@code ledger_overloaded} (queue full past the enqueue timeout), {@code ledger_closed}
   * @throws LedgerException {@code secret_in_field} or {@code invalid_explanation}, before
   *     anything is queued
   */
  public CompletableFuture<AppendedEvent> append(LedgerEvent event) {
    LedgerEvent guarded = SecretGuard.guard(event);
    return writer().submit(guarded);
  }

  private GroupCommitWriter writer() {
    var w = writer;
    if (w != null) {
      return w;
    }
    synchronized (writerLock) {
      if (closed) {
        throw new LedgerException("ledger_closed", "the ledger is closed");
      }
      if (writer == null) {
        KeyIndexer keys = new KeyIndexer(dataSource, indexSource);
        // the indexer takes the keys of events once they are in the database
        Consumer<List<AppendedEvent>> committed = journal.isPresent() ? rows -> { } : keys::committed;
        journal.ifPresent(j -> j.onIngested(keys::committed));
        writer = new GroupCommitWriter(store, key,
            UUID.randomUUID().toString(), writerName(), config.clock(), config.writer(), committed);
        indexer = keys.start();
      }
      return writer;
    }
  }

  private static String writerName() {
    String host = Optional.ofNullable(System.getenv("HOSTNAME")).orElse("localhost");
    return "pid " + ProcessHandle.current().pid() + "@" + host;
  }

  /** Events durable in the journal and not yet in the database (0 without a journal). */
  public long journalBacklog() {
    return journal.map(JournaledStore::backlog).orElse(0L);
  }

  /** Events waiting for the group-commit writer (0 before the first append). */
  public int queueDepth() {
    var w = writer;
    return w == null ? 0 : w.queueDepth();
  }

  /**
   * Events appended (by any process) whose lookup keys are not indexed yet: they are still found
   * by request, trace, session and token, by a scan above each chain's index watermark.
   */
  public long indexBacklog() {
    return new KeyIndexer(dataSource, indexSource).backlog();
  }

  /** This instance's chain id, once it has appended (or tried to). */
  public Optional<String> chainId() {
    var w = writer;
    return w == null ? Optional.empty() : Optional.of(w.chainId());
  }

  /** Events with {@code requestId}, in time order (at most 10,000). */
  public List<AppendedEvent> byRequestId(String requestId) {
    return store.byRequestId(requestId);
  }

  /**
   * The timeline of a trace: events with {@code traceId} plus events sharing a session id or
   * token fingerprint with them, in time order (at most {@code limit}).
   */
  public List<AppendedEvent> byTraceId(String traceId, int limit) {
    return store.byTraceId(traceId, true, limit);
  }

  /** One page of events matching {@code filter}. */
  public EventPage list(EventFilter filter, PageRequest page) {
    return store.list(filter, page);
  }

  /** Verifies the whole ledger, trusting this ledger's signing key. */
  public VerificationReport verify() {
    return verify(key.trusted());
  }

  /** Verifies the whole ledger from one consistent snapshot, trusting {@code keys}. */
  public VerificationReport verify(TrustedKeys keys) {
    return store.snapshot(snapshot -> SnapshotVerifier.verify(snapshot, keys));
  }

  /**
   * Writes the whole ledger (one snapshot) as NDJSON to {@code out} (not closed).
   *
   * @return the number of events written
   */
  public long export(OutputStream out) {
    Map<String, PublicKey> keys = Map.of(key.keyId(), key.publicKey());
    return store.snapshot(s -> NdjsonExporter.export(s, keys, config.clock().instant(), out));
  }

  /** The public key that verifies this ledger's checkpoints. */
  public PublicKey publicKey() {
    return key.publicKey();
  }

  /** The store, for tools that need lower-level reads. */
  public LedgerStore store() {
    return store;
  }

  /** Drains the writer, writes a final checkpoint and closes the pool the ledger created. */
  @Override
  public void close() {
    synchronized (writerLock) {
      if (closed) {
        return;
      }
      closed = true;
    }
    var w = writer;
    if (w != null) {
      w.close();
    }
    journal.ifPresent(JournaledStore::close);
    var i = indexer;
    if (i != null) {
      i.close();
    }
    if (indexSource != dataSource && indexSource instanceof HikariDataSource pool) {
      pool.close();
    }
    if (dataSource instanceof HikariDataSource pool
        && !(config.database() instanceof LedgerDatabase.External)) {
      pool.close();
    }
  }
}

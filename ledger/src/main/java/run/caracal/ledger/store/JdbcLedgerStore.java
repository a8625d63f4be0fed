package run.caracal.ledger.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import javax.sql.DataSource;
import run.caracal.ledger.LedgerException;
import run.caracal.ledger.chain.ChainHead;
import run.caracal.ledger.chain.ChainRecord;
import run.caracal.ledger.chain.RegistryHead;
import run.caracal.ledger.chain.Timestamps;
import run.caracal.ledger.checkpoint.Checkpoint;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.query.EventFilter;
import run.caracal.ledger.query.EventPage;
import run.caracal.ledger.query.PageRequest;

/**
 * {@link LedgerStore} over plain JDBC, for H2 and PostgreSQL. Takes a connection from the
 * data source per call. Thread-safe.
 */
public final class JdbcLedgerStore implements LedgerStore {
  private static final int REGISTER_ATTEMPTS = 20;

  private final DataSource dataSource;
  private final Dialect dialect;
  private final JdbcQueries queries;

  /**
   * A store whose key index shares its database; the schema must already be migrated (see
   * {@link SchemaMigrator}).
   *
   * @throws LedgerException {@code ledger_storage_error} when the database cannot be reached
   *     or is neither H2 nor PostgreSQL
   */
  public JdbcLedgerStore(DataSource dataSource) {
    this(dataSource, dataSource);
  }

  /**
   * A store whose key index ({@link KeyIndexer}) lives in {@code index}.
   *
   * @throws LedgerException {@code ledger_storage_error} when the database cannot be reached
   *     or is neither H2 nor PostgreSQL
   */
  public JdbcLedgerStore(DataSource dataSource, DataSource index) {
    this.dataSource = dataSource;
    try (Connection c = dataSource.getConnection()) {
      this.dialect = Dialect.of(c);
    } catch (SQLException e) {
      throw failure("cannot connect to the ledger database", e);
    }
    this.queries = new JdbcQueries(dataSource, index);
  }

  @Override
  public RegistryHead registryHead() {
    try (Connection c = dataSource.getConnection()) {
      return registryHead(c);
    } catch (SQLException e) {
      throw failure("cannot read the chain registry", e);
    }
  }

  private static RegistryHead registryHead(Connection c) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(
        "SELECT ordinal, hash FROM ledger_chain ORDER BY ordinal DESC LIMIT 1");
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? new RegistryHead(rs.getLong(1), rs.getString(2)) : RegistryHead.EMPTY;
    }
  }

  @Override
  public ChainRecord registerChain(String chainId, Instant startedAt, String writer) {
    SQLException last = null;
    for (int attempt = 0; attempt < REGISTER_ATTEMPTS; attempt++) {
      try (Connection c = dataSource.getConnection()) {
        c.setAutoCommit(false);
        try {
          ChainRecord record = ChainRecord.next(registryHead(c), chainId, startedAt, writer);
          try (PreparedStatement ps = c.prepareStatement("INSERT INTO ledger_chain ("
              + Rows.CHAIN_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?)")) {
            ps.setLong(1, record.ordinal());
            ps.setString(2, record.chainId());
            ps.setObject(3, Timestamps.toSql(record.startedAt()));
            ps.setString(4, record.writer());
            ps.setString(5, record.prevHash());
            ps.setString(6, record.hash());
            ps.executeUpdate();
          }
          c.commit();
          return record;
        } catch (SQLException e) {
          c.rollback();
          throw e;
        }
      } catch (SQLException e) {
        last = e; // another writer took this ordinal: read the new head and retry
        sleepQuietly(attempt);
      }
    }
    throw failure("cannot register chain `" + chainId + "`", last);
  }

  @Override
  public ChainHead chainHead(String chainId) {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT seq, hash FROM ledger_event"
            + " WHERE chain_id = ? ORDER BY seq DESC LIMIT 1")) {
      ps.setString(1, chainId);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? new ChainHead(rs.getLong(1), rs.getString(2)) : ChainHead.EMPTY;
      }
    } catch (SQLException e) {
      throw failure("cannot read the head of chain `" + chainId + "`", e);
    }
  }

  @Override
  public void append(List<AppendedEvent> events, Optional<Checkpoint> checkpoint) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      try {
        try (PreparedStatement ps = c.prepareStatement(Rows.INSERT_EVENT)) {
          for (AppendedEvent event : events) {
            Rows.bindEvent(ps, event);
            ps.addBatch();
          }
          ps.executeBatch();
        }
        if (checkpoint.isPresent()) {
          insertCheckpoint(c, checkpoint.get());
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c);
        throw e;
      }
    } catch (SQLException e) {
      throw failure("cannot append " + events.size() + " events", e);
    }
  }

  @Override
  public void appendCheckpoint(Checkpoint checkpoint) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(true);
      insertCheckpoint(c, checkpoint);
    } catch (SQLException e) {
      throw failure("cannot write a checkpoint", e);
    }
  }

  private static void insertCheckpoint(Connection c, Checkpoint checkpoint) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(Rows.INSERT_CHECKPOINT)) {
      Rows.bindCheckpoint(ps, checkpoint);
      ps.executeUpdate();
    }
  }

  @Override
  public List<AppendedEvent> byRequestId(String requestId) {
    return queries.byKey(LookupKey.REQUEST, requestId, PageRequest.MAX_LIMIT);
  }

  @Override
  public List<AppendedEvent> byTraceId(String traceId, boolean related, int limit) {
    return queries.byTraceId(traceId, related, limit);
  }

  @Override
  public EventPage list(EventFilter filter, PageRequest page) {
    return queries.list(filter, page);
  }

  @Override
  public <T> T snapshot(Function<LedgerSnapshot, T> reader) {
    try (Connection c = dataSource.getConnection()) {
      c.setAutoCommit(false);
      c.setReadOnly(true);
      c.setTransactionIsolation(dialect.snapshotIsolation());
      try {
        return reader.apply(new JdbcSnapshot(c));
      } finally {
        rollbackQuietly(c);
      }
    } catch (SQLException e) {
      throw failure("cannot read a ledger snapshot", e);
    }
  }

  static LedgerException failure(String message, Throwable cause) {
    String detail = cause == null || cause.getMessage() == null ? ""
        : ": " + cause.getMessage().lines().findFirst().orElse("");
    return new LedgerException("ledger_storage_error", message + detail, cause);
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is broken; the pool discards it
    }
  }

  private static void sleepQuietly(int attempt) {
    try {
      Thread.sleep(Math.min(200, 5L << Math.min(attempt, 5)));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

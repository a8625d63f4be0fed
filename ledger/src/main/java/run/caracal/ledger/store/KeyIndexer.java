package run.caracal.ledger.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the lookup keys of appended events (request, trace, session, token) into the key index
 * ({@code ledger_key}), off the append path. The index is its own schema: in the ledger's database
 * on PostgreSQL, in its own file beside an embedded H2 ledger (there every commit writes out all of
 * the file's changed pages, so the index's random inserts would otherwise ride on every append).
 * Per chain, one index transaction moves the watermark in {@code ledger_index_head} and inserts the
 * keys of the events above it; the watermark moves by compare-and-set first, so indexers of several
 * processes never insert the same keys and never skip an event (the loser rolls back). It indexes
 * every chain, also those of processes that died. The index need not be durable: keys and
 * watermark commit together, so a lost commit is simply redone. Queries read the index up to the
 * watermark and the events above it directly ({@link JdbcQueries}), so a lookup sees an event as
 * soon as it is durable, indexed or not. Thread-safe; {@link #start} runs it on a daemon thread.
 */
public final class KeyIndexer implements AutoCloseable {
  /** Events per chain per transaction. */
  static final int BATCH = 2_000;
  private static final long IDLE_MILLIS = 50;
  private static final long FAILURE_PAUSE_MILLIS = 1_000;
  private static final Logger LOG = LoggerFactory.getLogger(KeyIndexer.class);

  private final DataSource events;
  private final DataSource index;
  private final Object wake = new Object();
  private volatile boolean closing;
  private Thread thread;

  /** An indexer reading {@code events} (the ledger) and writing {@code index} (may be the same). */
  public KeyIndexer(DataSource events, DataSource index) {
    this.events = events;
    this.index = index;
  }

  /** Starts indexing on a daemon thread until {@link #close}. */
  public synchronized KeyIndexer start() {
    if (thread == null) {
      thread = new Thread(this::run, "caracal-ledger-indexer");
      thread.setDaemon(true);
      thread.start();
    }
    return this;
  }

  private void run() {
    boolean failing = false;
    while (!closing) {
      try {
        int done = indexOnce(BATCH);
        if (failing) {
          LOG.info("ledger indexer recovered");
          failing = false;
        }
        if (done == 0) {
          pause(IDLE_MILLIS);
        }
      } catch (RuntimeException e) {
        if (!failing) {
          LOG.warn("ledger indexer cannot index; lookups read the unindexed events directly until it can: {}",
              e.getMessage());
          failing = true;
        }
        pause(FAILURE_PAUSE_MILLIS);
      }
    }
  }

  private void pause(long millis) {
    synchronized (wake) {
      try {
        if (!closing) {
          wake.wait(millis);
        }
      } catch (InterruptedException e) {
        closing = true;
      }
    }
  }

  /**
   * Indexes up to {@code maxPerChain} events of every chain that has unindexed events.
   *
   * @return how many events were indexed
   * @throws run.caracal.ledger.LedgerException {@code ledger_storage_error}
   */
  public int indexOnce(int maxPerChain) {
    int done = 0;
    Map<String, Long> marks = JdbcQueries.watermarks(index);
    for (String chain : JdbcQueries.chains(events)) {
      done += indexChain(chain, marks.get(chain), maxPerChain);
    }
    return done;
  }

  /** Events not yet indexed, over all chains. */
  public long backlog() {
    Map<String, Long> marks = JdbcQueries.watermarks(index);
    long backlog = 0;
    try (Connection c = events.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM ledger_event WHERE chain_id = ? AND seq > ?")) {
      for (String chain : JdbcQueries.chains(events)) {
        ps.setString(1, chain);
        ps.setLong(2, marks.getOrDefault(chain, 0L));
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          backlog += rs.getLong(1);
        }
      }
      return backlog;
    } catch (SQLException e) {
      throw JdbcLedgerStore.failure("cannot count unindexed events", e);
    }
  }

  /** Indexes up to {@code max} events of one chain above {@code mark} (null: nothing indexed yet). */
  private int indexChain(String chainId, Long mark, int max) {
    long from = mark == null ? 0 : mark;
    List<Object[]> keys = new ArrayList<>();
    long to = from;
    try (Connection c = events.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT seq, request_id, trace_id, session_id, token_fp"
            + " FROM ledger_event WHERE chain_id = ? AND seq > ? ORDER BY seq LIMIT " + max)) {
      ps.setString(1, chainId);
      ps.setLong(2, from);
      try (ResultSet rs = ps.executeQuery()) {
        LookupKey[] kinds = LookupKey.values();
        while (rs.next()) {
          to = rs.getLong(1);
          for (int i = 0; i < kinds.length; i++) {
            String value = rs.getString(i + 2);
            if (value != null) {
              keys.add(new Object[] {kinds[i].of(value), to});
            }
          }
        }
      }
    } catch (SQLException e) {
      throw JdbcLedgerStore.failure("cannot read chain `" + chainId + "` to index it", e);
    }
    if (to == from) {
      return 0;
    }
    try (Connection c = index.getConnection()) {
      c.setAutoCommit(false);
      try {
        if (!moveWatermark(c, chainId, mark, to)) {
          c.rollback(); // another indexer moved it first
          return 0;
        }
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO ledger_key (key_value, chain_id, seq) VALUES (?, ?, ?)")) {
          for (Object[] key : keys) {
            ps.setString(1, (String) key[0]);
            ps.setString(2, chainId);
            ps.setLong(3, (Long) key[1]);
            ps.addBatch();
          }
          ps.executeBatch();
        }
        c.commit();
        return (int) (to - from);
      } catch (SQLException | RuntimeException e) {
        try {
          c.rollback();
        } catch (SQLException ignored) {
          // the connection is broken; the pool discards it
        }
        throw e;
      }
    } catch (SQLException e) {
      throw JdbcLedgerStore.failure("cannot index chain `" + chainId + "`", e);
    }
  }

  /**
   * Compare-and-set of the chain's watermark from {@code mark} to {@code to}. False when another
   * indexer holds or moved it (a duplicate first row, no row updated, or H2's concurrent-update
   * error); an outage then fails the next statement instead.
   */
  private static boolean moveWatermark(Connection c, String chainId, Long mark, long to) {
    try (PreparedStatement ps = c.prepareStatement(mark == null
        ? "INSERT INTO ledger_index_head (seq, chain_id) VALUES (?, ?)"
        : "UPDATE ledger_index_head SET seq = ? WHERE chain_id = ? AND seq = ?")) {
      ps.setLong(1, to);
      ps.setString(2, chainId);
      if (mark != null) {
        ps.setLong(3, mark);
      }
      return ps.executeUpdate() == 1;
    } catch (SQLException raced) {
      return false;
    }
  }

  /** Stops the thread (what is not indexed yet stays readable through the unindexed tail). */
  @Override
  public void close() {
    closing = true;
    synchronized (wake) {
      wake.notifyAll();
    }
    Thread t;
    synchronized (this) {
      t = thread;
    }
    if (t != null) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}

package run.caracal.ledger.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.event.LedgerEvent;

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
  /**
   * Pause after a pass that found less than a batch: the keys of the events appended meanwhile are
   * then inserted in one transaction, and an index transaction costs about as much for a few rows
   * as for a thousand (on H2 each commit writes out every page it changed). Lookups do not wait
   * for it: they read the unindexed tail directly.
   */
  private static final long IDLE_MILLIS = 200;
  private static final long FAILURE_PAUSE_MILLIS = 1_000;
  private static final Logger LOG = LoggerFactory.getLogger(KeyIndexer.class);

  /** Committed events whose keys may wait in a chain's feed; beyond, the feed is dropped. */
  static final int FEED_LIMIT = 50_000;

  private final DataSource events;
  private final DataSource index;
  private final Map<String, Feed> feeds = new ConcurrentHashMap<>();
  private final AtomicLong rowsRead = new AtomicLong();
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
        if (done < BATCH) {
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

  /**
   * Hands over the keys of events of this process just committed, so that indexing them needs no
   * read of their rows (on H2 reading a row reads its whole explanation). Events that never pass
   * here (appended before this process started, by another process, or dropped when the feed was
   * full) are read from the database as before.
   */
  public void committed(List<AppendedEvent> appended) {
    if (appended.isEmpty() || closing) {
      return;
    }
    feeds.computeIfAbsent(appended.get(0).chainId(), chain -> new Feed()).add(appended);
  }

  /** Indexes up to {@code max} events of one chain above {@code mark} (null: nothing indexed yet). */
  private int indexChain(String chainId, Long mark, int max) {
    long from = mark == null ? 0 : mark;
    Feed feed = feeds.get(chainId);
    Batch batch = feed == null ? null : feed.take(from, max);
    if (batch == null) {
      long feedStart = feed == null ? Long.MAX_VALUE : feed.start();
      batch = read(chainId, from, (int) Math.max(0, Math.min(max, feedStart - 1 - from))); // up to the feed
    }
    return insert(chainId, mark, from, batch);
  }

  /** Events whose keys were read from their rows (not taken from a feed) so far. */
  long rowsRead() {
    return rowsRead.get();
  }

  /** The keys of up to {@code max} events of the chain above {@code from}, read from their rows. */
  private Batch read(String chainId, long from, int max) {
    List<Keys> keys = new ArrayList<>();
    long to = from;
    try (Connection c = events.getConnection();
        PreparedStatement ps = c.prepareStatement("SELECT seq, request_id, trace_id, session_id, token_fp"
            + " FROM ledger_event WHERE chain_id = ? AND seq > ? ORDER BY seq LIMIT " + max)) {
      ps.setString(1, chainId);
      ps.setLong(2, from);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          to = rs.getLong(1);
          keys.add(new Keys(to, rs.getString(2), rs.getString(3), rs.getString(4), rs.getString(5)));
        }
        rowsRead.addAndGet(keys.size());
      }
    } catch (SQLException e) {
      throw JdbcLedgerStore.failure("cannot read chain `" + chainId + "` to index it", e);
    }
    return new Batch(to, keys);
  }

  /**
   * Inserts the batch's keys and moves the watermark from {@code mark} (at {@code from}) to the
   * batch's end in one transaction.
   */
  private int insert(String chainId, Long mark, long from, Batch batch) {
    if (batch.to() == from) {
      return 0;
    }
    try (Connection c = index.getConnection()) {
      c.setAutoCommit(false);
      try {
        if (!moveWatermark(c, chainId, mark, batch.to())) {
          c.rollback(); // another indexer moved it first
          return 0;
        }
        try (PreparedStatement ps = c.prepareStatement(
            "INSERT INTO ledger_key (key_value, chain_id, seq) VALUES (?, ?, ?)")) {
          LookupKey[] kinds = LookupKey.values();
          for (Keys keys : batch.keys()) {
            for (int i = 0; i < kinds.length; i++) {
              String value = keys.value(i);
              if (value != null && !value.isEmpty()) {
                ps.setString(1, kinds[i].of(value));
                ps.setString(2, chainId);
                ps.setLong(3, keys.seq());
                ps.addBatch();
              }
            }
          }
          ps.executeBatch();
        }
        c.commit();
        return (int) (batch.to() - from);
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

  /** One event's lookup values, in {@link LookupKey} order (null or empty: none). */
  private record Keys(long seq, String request, String trace, String session, String token) {
    String value(int kind) {
      return switch (kind) {
        case 0 -> request;
        case 1 -> trace;
        case 2 -> session;
        default -> token;
      };
    }
  }

  /** The keys of a chain's events up to {@code to} (events without keys have no entry). */
  private record Batch(long to, List<Keys> keys) {}

  /**
   * The keys of one chain's committed events in sequence order, without a gap; {@link #take}
   * answers only when they continue the watermark.
   */
  private static final class Feed {
    private final ArrayDeque<Keys> keys = new ArrayDeque<>();
    private long first = -1;
    private long last = -1;

    synchronized void add(List<AppendedEvent> appended) {
      long start = appended.get(0).seq();
      if (last >= 0 && (start != last + 1 || last - first + 1 + appended.size() > FEED_LIMIT)) {
        clear(); // a gap (an unacknowledged commit) or an indexer far behind: read the rows instead
      }
      for (AppendedEvent row : appended) {
        LedgerEvent e = row.event();
        keys.add(new Keys(row.seq(), e.requestId(), e.traceId(), e.sessionId(), e.tokenFingerprint()));
      }
      if (last < 0) {
        first = start;
      }
      last = appended.get(appended.size() - 1).seq();
    }

    /** The first event the feed holds (none: {@link Long#MAX_VALUE}). */
    synchronized long start() {
      return last < first ? Long.MAX_VALUE : first;
    }

    /**
     * The keys of up to {@code max} events above {@code mark}, taken out of the feed; null when the
     * feed does not continue {@code mark} (nothing above it, or a gap in between).
     */
    synchronized Batch take(long mark, int max) {
      if (last <= mark) {
        clear();
        return null;
      }
      if (first > mark + 1) {
        return null;
      }
      while (!keys.isEmpty() && keys.peekFirst().seq() <= mark) {
        keys.pollFirst();
      }
      long to = Math.min(last, mark + max);
      List<Keys> taken = new ArrayList<>();
      while (!keys.isEmpty() && keys.peekFirst().seq() <= to) {
        taken.add(keys.pollFirst());
      }
      first = to + 1;
      return new Batch(to, taken);
    }

    private void clear() {
      keys.clear();
      first = -1;
      last = -1;
    }
  }
}

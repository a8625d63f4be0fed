package run.caracal.ledger.journal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.caracal.ledger.LedgerException;
import run.caracal.ledger.chain.ChainHead;
import run.caracal.ledger.chain.ChainRecord;
import run.caracal.ledger.chain.RegistryHead;
import run.caracal.ledger.checkpoint.Checkpoint;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.query.EventFilter;
import run.caracal.ledger.query.EventPage;
import run.caracal.ledger.query.PageRequest;
import run.caracal.ledger.store.LedgerSnapshot;
import run.caracal.ledger.store.LedgerStore;

/**
 * A {@link LedgerStore} whose appends are durable once written to a local journal file, and
 * which fills the database from the journal on a thread of its own.
 *
 * <p>An append encodes the batch ({@link JournalCodec}), writes it to the journal with one
 * write (and {@code fsync} when asked) and returns: the caller's event is durable. The ingester
 * then inserts journaled batches into the database in order, letting batches gather for up to
 * {@value #LINGER_MILLIS} ms (not when a reader waits) and merging them into transactions of up
 * to {@value #MAX_INGEST} events, retrying with back-off while the database fails. At most {@code backlogLimit} events may be journaled and not yet in the database; past
 * that an append waits briefly and then fails with {@code ledger_write_failed}, so an unreachable
 * database still fails closed. Reads wait (at most {@value #READ_WAIT_SECONDS} s) until what was
 * journaled when they started is in the database: this process reads its own writes.
 *
 * <p>Journal files are named {@code <chain>-<first seq>.journal} and roll over at
 * {@code segmentBytes}; a file is deleted once every event in it is in the database. What a
 * crash leaves is put into the database by {@link JournalRecovery} when the ledger is next
 * opened. Appends and {@link #chainHead} of the journaled chain are called by the single
 * group-commit writer thread; reads from any thread.
 */
public final class JournaledStore implements LedgerStore, AutoCloseable {
  static final int MAX_INGEST = 4_096;
  static final int READ_WAIT_SECONDS = 5;
  /**
   * How long the ingester lets batches gather before a transaction, unless a reader waits or
   * {@value #MAX_INGEST} events are ready: on H2 a commit costs about as much for a few rows as
   * for thousands (it writes out every page it changed).
   */
  private static final long LINGER_MILLIS = 50;
  private static final int CHECKPOINT_ATTEMPTS = 5;
  private static final long ROOM_WAIT_MILLIS = 2_000;
  private static final long CLOSE_WAIT_MILLIS = 10_000;
  private static final Logger LOG = LoggerFactory.getLogger(JournaledStore.class);

  private final LedgerStore database;
  private final Path directory;
  private final boolean sync;
  private final long segmentBytes;
  private final int backlogLimit;
  private final Semaphore room;
  private final BlockingQueue<Work> work = new LinkedBlockingQueue<>();
  private final Queue<Segment> full = new ConcurrentLinkedQueue<>();
  private final Object progress = new Object();
  private final Thread ingester;
  private volatile boolean closing;
  private volatile Consumer<List<AppendedEvent>> ingestedListener = rows -> { };

  // the writer thread's
  private volatile String chainId;
  private volatile ChainHead head;
  private FileChannel channel;
  private Path file;

  // guarded by progress: events journaled and events in the database, counted from 0; readers waiting
  private long journaled;
  private long ingested;
  private int readersWaiting;

  /** A journal (its directory created when missing) in front of {@code database}. */
  public JournaledStore(LedgerStore database, JournalSettings settings) {
    this.database = database;
    this.directory = settings.directory();
    this.sync = settings.sync();
    this.segmentBytes = settings.segmentBytes();
    this.backlogLimit = settings.backlogLimit();
    this.room = new Semaphore(backlogLimit);
    try {
      Files.createDirectories(directory);
    } catch (IOException e) {
      throw new LedgerException("ledger_storage_error", "cannot create the ledger journal directory " + directory
          + ": " + e.getMessage(), e);
    }
    this.ingester = new Thread(this::ingestLoop, "caracal-ledger-ingester");
    this.ingester.setDaemon(true);
    this.ingester.start();
  }

  /**
   * Hands every batch put into the database to {@code listener}, on the ingester thread (the key
   * indexer takes its keys from there; keep it cheap).
   */
  public void onIngested(Consumer<List<AppendedEvent>> listener) {
    this.ingestedListener = listener;
  }

  @Override
  public RegistryHead registryHead() {
    return database.registryHead();
  }

  @Override
  public ChainRecord registerChain(String chainId, Instant startedAt, String writer) {
    return database.registerChain(chainId, startedAt, writer);
  }

  @Override
  public ChainHead chainHead(String chain) {
    ChainHead h = head;
    return h != null && chain.equals(chainId) ? h : database.chainHead(chain);
  }

  @Override
  public void append(List<AppendedEvent> events, Optional<Checkpoint> checkpoint) {
    if (closing) {
      throw new LedgerException("ledger_closed", "the ledger is closed");
    }
    if (events.isEmpty()) {
      checkpoint.ifPresent(this::appendCheckpoint);
      return;
    }
    reserve(events.size());
    AppendedEvent first = events.get(0);
    AppendedEvent last = events.get(events.size() - 1);
    try {
      write(first, JournalCodec.encode(events));
    } catch (RuntimeException e) {
      room.release(events.size());
      throw e;
    }
    chainId = first.chainId();
    head = new ChainHead(last.seq(), last.hash());
    long count;
    synchronized (progress) {
      journaled += events.size();
      count = journaled;
      if (journaled - ingested >= MAX_INGEST) {
        progress.notifyAll(); // enough for a transaction: no need to linger
      }
    }
    work.add(new Batch(events, checkpoint));
    if (fileSize() >= segmentBytes) {
      rollOver(count);
    }
  }

  private void reserve(int events) {
    try {
      if (!room.tryAcquire(events, ROOM_WAIT_MILLIS, TimeUnit.MILLISECONDS)) {
        throw new LedgerException("ledger_write_failed", "the database is " + backlog()
            + " events behind the ledger journal (at most " + backlogLimit + "); is it reachable?");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LedgerException("ledger_interrupted", "interrupted while waiting for the ledger journal");
    }
  }

  private void write(AppendedEvent first, byte[] block) {
    long start = -1;
    try {
      if (channel == null) {
        file = directory.resolve(JournalRecovery.fileName(first.chainId(), first.seq()));
        channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      }
      start = channel.position();
      ByteBuffer buffer = ByteBuffer.wrap(block);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
      if (sync) {
        channel.force(false);
      }
    } catch (IOException e) {
      undo(start);
      throw new LedgerException("ledger_write_failed", "cannot write the ledger journal " + file + ": " + e.getMessage(), e);
    }
  }

  /** Cuts off a partly written block so the journal stays readable; fails closed when it cannot. */
  private void undo(long start) {
    if (channel == null || start < 0) {
      return;
    }
    try {
      channel.truncate(start);
      channel.position(start);
    } catch (IOException e) {
      LOG.error("cannot cut a failed write off the ledger journal {}; no more appends until restart", file, e);
      closing = true;
    }
  }

  private long fileSize() {
    try {
      return channel.position();
    } catch (IOException e) {
      return 0;
    }
  }

  private void rollOver(long lastCount) {
    try {
      channel.close();
    } catch (IOException e) {
      LOG.warn("closing the full ledger journal {}: {}", file, e.getMessage());
    }
    full.add(new Segment(file, lastCount));
    channel = null;
  }

  @Override
  public void appendCheckpoint(Checkpoint checkpoint) {
    work.add(new CheckpointOnly(checkpoint));
  }

  @Override
  public List<AppendedEvent> byRequestId(String requestId) {
    awaitIngested();
    return database.byRequestId(requestId);
  }

  @Override
  public List<AppendedEvent> byTraceId(String traceId, boolean related, int limit) {
    awaitIngested();
    return database.byTraceId(traceId, related, limit);
  }

  @Override
  public EventPage list(EventFilter filter, PageRequest page) {
    awaitIngested();
    return database.list(filter, page);
  }

  @Override
  public <T> T snapshot(Function<LedgerSnapshot, T> reader) {
    awaitIngested();
    return database.snapshot(reader);
  }

  /** Events journaled and not yet in the database. */
  public long backlog() {
    synchronized (progress) {
      return journaled - ingested;
    }
  }

  /**
   * Waits until every event journaled before the call is in the database, at most
   * {@value #READ_WAIT_SECONDS} s (then the read sees the database as it is).
   *
   * @return whether it caught up
   */
  public boolean awaitIngested() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READ_WAIT_SECONDS);
    synchronized (progress) {
      long target = journaled;
      if (ingested >= target) {
        return true;
      }
      readersWaiting++;
      progress.notifyAll(); // the ingester stops lingering
      try {
        while (ingested < target) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            return false;
          }
          TimeUnit.NANOSECONDS.timedWait(progress, left);
        }
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } finally {
        readersWaiting--;
      }
    }
  }

  /** Lets batches gather for a larger transaction, at most {@value #LINGER_MILLIS} ms. */
  private void linger() throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LINGER_MILLIS);
    synchronized (progress) {
      while (readersWaiting == 0 && !closing && journaled - ingested < MAX_INGEST) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          return;
        }
        TimeUnit.NANOSECONDS.timedWait(progress, left);
      }
    }
  }

  private void ingestLoop() {
    List<Work> items = new ArrayList<>();
    while (true) {
      Work first;
      try {
        first = work.poll(200, TimeUnit.MILLISECONDS);
        if (first != null) {
          linger();
        }
      } catch (InterruptedException e) {
        return;
      }
      if (Thread.currentThread().isInterrupted()) {
        return;
      }
      if (first == null) {
        if (closing) {
          return;
        }
        continue;
      }
      items.add(first);
      int events = first.size();
      while (first instanceof Batch b && b.checkpoint().isEmpty() && events < MAX_INGEST
          && work.peek() instanceof Batch next) {
        work.poll();
        items.add(next);
        events += next.size();
        if (next.checkpoint().isPresent()) {
          break;
        }
      }
      if (!ingest(items)) {
        return;
      }
      items.clear();
    }
  }

  /** Puts the items into the database, retrying while it fails; false when interrupted. */
  private boolean ingest(List<Work> items) {
    if (items.get(0) instanceof CheckpointOnly c) {
      // a checkpoint whose commit landed but was not acknowledged cannot be inserted again: give up
      // after a few attempts (the next checkpoint covers these events too)
      if (!retry(() -> database.appendCheckpoint(c.checkpoint()), "a checkpoint", () -> false, CHECKPOINT_ATTEMPTS)) {
        LOG.error("a ledger checkpoint at seq {} was not written to the database", c.checkpoint().seq());
      }
      return !Thread.currentThread().isInterrupted();
    }
    List<AppendedEvent> rows = new ArrayList<>();
    Optional<Checkpoint> checkpoint = Optional.empty();
    for (Work w : items) {
      Batch b = (Batch) w;
      rows.addAll(b.events());
      checkpoint = b.checkpoint();
    }
    Optional<Checkpoint> cp = checkpoint;
    AppendedEvent last = rows.get(rows.size() - 1);
    // after a failure, the commit may have landed with only its acknowledgement lost
    boolean done = retry(() -> database.append(rows, cp), rows.size() + " events",
        () -> database.chainHead(last.chainId()).seq() >= last.seq(), Long.MAX_VALUE);
    if (!done) {
      return false;
    }
    room.release(rows.size());
    try {
      ingestedListener.accept(rows);
    } catch (RuntimeException e) {
      LOG.warn("ledger ingest listener failed: {}", String.valueOf(e.getMessage()));
    }
    synchronized (progress) {
      ingested += rows.size();
      progress.notifyAll();
    }
    deleteIngestedSegments();
    return true;
  }

  /** Runs the action until it succeeds or {@code landed} says it did; false when interrupted or out of attempts. */
  private boolean retry(Runnable action, String what, LandedCheck landed, long attempts) {
    long pause = 50;
    long failures = 0;
    while (failures < attempts) {
      try {
        action.run();
        if (failures > 0) {
          LOG.info("the ledger database accepted {} from the journal after {} failed attempts", what, failures);
        }
        return true;
      } catch (RuntimeException e) {
        failures++;
        if (failures == 1 || failures % 20 == 0) {
          LOG.warn("cannot put {} from the ledger journal into the database (attempt {}), retrying: {}", what, failures,
              String.valueOf(e.getMessage()));
        }
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
      pause = Math.min(pause * 2, 5_000);
      try {
        if (landed.landed()) {
          return true;
        }
      } catch (RuntimeException e) {
        // the database is still failing; try again
      }
    }
    return false;
  }

  @FunctionalInterface
  private interface LandedCheck {
    boolean landed();
  }

  private void deleteIngestedSegments() {
    long done;
    synchronized (progress) {
      done = ingested;
    }
    Segment s;
    while ((s = full.peek()) != null && s.lastCount() <= done) {
      full.poll();
      deleteQuietly(s.path());
    }
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      LOG.warn("cannot delete the ingested ledger journal {}: {}", path, e.getMessage());
    }
  }

  /**
   * Stops taking appends, waits (at most {@value #CLOSE_WAIT_MILLIS} ms) until the database has
   * everything journaled, and deletes the journal files it has; what it has not is left for
   * {@link JournalRecovery} at the next open.
   */
  @Override
  public void close() {
    closing = true;
    try {
      ingester.join(CLOSE_WAIT_MILLIS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ingester.isAlive()) {
      ingester.interrupt();
      LOG.warn("the ledger database is {} events behind the journal at close; they are put in at the next start",
          backlog());
    }
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException e) {
        LOG.warn("closing the ledger journal {}: {}", file, e.getMessage());
      }
      full.add(new Segment(file, journaledCount()));
      channel = null;
    }
    deleteIngestedSegments();
  }

  private long journaledCount() {
    synchronized (progress) {
      return journaled;
    }
  }

  private sealed interface Work permits Batch, CheckpointOnly {
    int size();
  }

  private record Batch(List<AppendedEvent> events, Optional<Checkpoint> checkpoint) implements Work {
    public int size() {
      return events.size();
    }
  }

  private record CheckpointOnly(Checkpoint checkpoint) implements Work {
    public int size() {
      return 0;
    }
  }

  private record Segment(Path path, long lastCount) {}
}

package run.caracal.ledger.writer;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.caracal.ledger.LedgerException;
import run.caracal.ledger.chain.ChainHead;
import run.caracal.ledger.chain.EventHashing;
import run.caracal.ledger.checkpoint.Checkpoint;
import run.caracal.ledger.checkpoint.SigningKey;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.event.LedgerEvent;
import run.caracal.ledger.store.LedgerStore;

/**
 * Appends events to one chain through a single writer thread that commits them in batches.
 *
 * <p>Callers {@link #submit} and get a future that completes only after the transaction holding
 * their event has committed. The queue is bounded: on a full queue a caller waits at most the
 * enqueue timeout (by default not at all) and then gets a future failed with
 * {@code ledger_overloaded}. A failed commit fails every
 * future of that batch with {@code ledger_write_failed} and drops the in-memory chain head, so
 * the next batch re-reads the head from the database and continues the chain without a gap or
 * fork (also when the failed commit did in fact reach the database). The chain is registered in
 * the chain registry before its first event. Checkpoints are written in the transaction of the
 * batch that makes them due, or alone when the interval passes while idle, and once more on
 * close. Thread-safe.
 */
public final class GroupCommitWriter implements AutoCloseable {
  private static final long IDLE_POLL_MILLIS = 200;
  /** Pause before the committed-or-not check and the one retry of a failed batch. */
  private static final long RETRY_PAUSE_MILLIS = 200;
  private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWriter.class);

  private final LedgerStore store;
  private final Consumer<List<AppendedEvent>> committed;
  private final SigningKey key;
  private final String chainId;
  private final String writerName;
  private final Clock clock;
  private final WriterSettings settings;
  private final BlockingQueue<Pending> queue;
  private final Thread thread;
  private volatile boolean closing;

  // writer-thread state
  private boolean registered;
  private ChainHead head; // null: unknown, re-read before the next batch
  private Attempt lastAttempt; // set just before the store is asked to commit; null before that point
  private long sinceCheckpoint;
  private long lastCheckpointSeq;
  private Instant lastCheckpointTime;

  public GroupCommitWriter(LedgerStore store, SigningKey key, String chainId, String writerName,
      Clock clock, WriterSettings settings) {
    this(store, key, chainId, writerName, clock, settings, rows -> { });
  }

  /**
   * A writer that hands every committed batch to {@code committed}, on the writer thread before the
   * batch's callers are answered (the key indexer takes its keys from there; keep it cheap).
   */
  public GroupCommitWriter(LedgerStore store, SigningKey key, String chainId, String writerName,
      Clock clock, WriterSettings settings, Consumer<List<AppendedEvent>> committed) {
    this.committed = committed;
    this.store = store;
    this.key = key;
    this.chainId = chainId;
    this.writerName = writerName;
    this.clock = clock;
    this.settings = settings;
    this.queue = new ArrayBlockingQueue<>(settings.queueCapacity());
    this.lastCheckpointTime = clock.instant();
    this.thread = new Thread(this::run, "caracal-ledger-writer");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** Events queued and not yet committed. */
  public int queueDepth() {
    return queue.size();
  }

  /** The chain this writer appends to. */
  public String chainId() {
    return chainId;
  }

  /**
   * Queues an event; on a full queue waits up to the enqueue timeout (by default not at all).
   *
   * @return a future completing with the recorded event once committed, or exceptionally with a
   *     {@link LedgerException} ({@code ledger_overloaded}, {@code ledger_closed},
   *     {@code ledger_write_failed}); never null
   */
  public CompletableFuture<AppendedEvent> submit(LedgerEvent event) {
    Pending pending = new Pending(event, new CompletableFuture<>());
    if (closing) {
      return failed(pending, new LedgerException("ledger_closed", "the ledger is closed"));
    }
    try {
      boolean queued = settings.enqueueTimeout().isZero() ? queue.offer(pending)
          : queue.offer(pending, settings.enqueueTimeout().toNanos(), TimeUnit.NANOSECONDS);
      if (!queued) {
        return failed(pending, new LedgerException("ledger_overloaded",
            "the ledger queue is full (" + settings.queueCapacity() + " events waiting)"));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return failed(pending, new LedgerException("ledger_interrupted", "interrupted while queued"));
    }
    return pending.future();
  }

  private static CompletableFuture<AppendedEvent> failed(Pending p, LedgerException e) {
    p.future().completeExceptionally(e);
    return p.future();
  }

  private void run() {
    List<Pending> batch = new ArrayList<>(settings.maxBatch());
    while (!closing || !queue.isEmpty()) {
      try {
        Pending first = queue.poll(IDLE_POLL_MILLIS, TimeUnit.MILLISECONDS);
        if (first == null) {
          checkpointIfIdleAndDue();
          continue;
        }
        batch.add(first);
        queue.drainTo(batch, settings.maxBatch() - 1);
        write(batch);
      } catch (InterruptedException e) {
        closing = true;
      } catch (Throwable t) {
        // write() already failed the batch; nothing may kill the writer thread
      } finally {
        batch.clear();
      }
    }
    finalCheckpoint();
  }

  /**
   * Commits a batch. When the commit fails, the writer asks the database where the chain ends,
   * on a fresh connection after a short pause (the failure may be a pooled connection that died
   * with a database restart): if the batch's last event is the head, the commit landed and only
   * its acknowledgement was lost; if the head is still where the batch started, nothing landed and
   * the batch is tried once more. Anything else, or a second failure, fails every caller: nothing
   * is ever written twice and the chain never forks.
   */
  private void write(List<Pending> batch) throws InterruptedException {
    List<AppendedEvent> rows;
    try {
      rows = attempt(batch);
    } catch (Throwable first) {
      Attempt failed = lastAttempt;
      head = null;
      try {
        rows = recover(batch, failed, first);
      } catch (Throwable t) {
        head = null;
        LedgerException failure = new LedgerException("ledger_write_failed",
            "the batch of " + batch.size() + " events was not committed", t == first ? first : withSuppressed(t, first));
        for (Pending p : batch) {
          p.future().completeExceptionally(failure);
        }
        throw t;
      }
    }
    try {
      committed.accept(rows);
    } catch (RuntimeException e) {
      LOG.warn("ledger commit listener failed: {}", String.valueOf(e.getMessage()));
    }
    for (int i = 0; i < batch.size(); i++) {
      batch.get(i).future().complete(rows.get(i));
    }
  }

  private static Throwable withSuppressed(Throwable t, Throwable first) {
    t.addSuppressed(first);
    return t;
  }

  /** What an attempt was about to commit: the head it started from and its rows. */
  private record Attempt(ChainHead from, List<AppendedEvent> rows) {}

  private List<AppendedEvent> recover(List<Pending> batch, Attempt failed, Throwable first) throws InterruptedException {
    Thread.sleep(RETRY_PAUSE_MILLIS);
    if (failed != null) {
      ChainHead now = store.chainHead(chainId);
      AppendedEvent last = failed.rows().get(failed.rows().size() - 1);
      if (now.seq() == last.seq() && now.hash().equals(last.hash())) {
        LOG.warn("ledger commit acknowledgement lost; the chain head shows the batch committed chain={} seq={}",
            chainId, last.seq());
        head = now;
        sinceCheckpoint += failed.rows().size();
        return failed.rows();
      }
      if (now.seq() != failed.from().seq() || !now.hash().equals(failed.from().hash())) {
        throw new LedgerException("ledger_write_failed", "after a failed commit the chain head is seq " + now.seq()
            + ", neither where the batch started (" + failed.from().seq() + ") nor where it ends (" + last.seq() + ")", first);
      }
      head = now;
    }
    LOG.warn("ledger commit failed; retrying the batch once chain={} events={} error={}", chainId, batch.size(),
        String.valueOf(first.getMessage()));
    return attempt(batch);
  }

  private List<AppendedEvent> attempt(List<Pending> batch) {
    lastAttempt = null;
    if (!registered) {
      store.registerChain(chainId, clock.instant(), writerName);
      registered = true;
    }
    if (head == null) {
      head = store.chainHead(chainId);
    }
    ChainHead from = head;
    List<AppendedEvent> rows = new ArrayList<>(batch.size());
    long seq = from.seq();
    String prev = from.hash();
    for (Pending p : batch) {
      seq++;
      String hash = EventHashing.hash(p.event(), chainId, seq, prev);
      rows.add(new AppendedEvent(p.event(), chainId, seq, prev, hash));
      prev = hash;
    }
    Instant now = clock.instant();
    boolean due = sinceCheckpoint + rows.size() >= settings.checkpointEvery()
        || !now.isBefore(lastCheckpointTime.plus(settings.checkpointInterval()));
    Optional<Checkpoint> checkpoint = due
        ? Optional.of(key.sign(chainId, seq, prev, now, store.registryHead()))
        : Optional.empty();
    lastAttempt = new Attempt(from, rows);
    store.append(rows, checkpoint);
    head = new ChainHead(seq, prev);
    if (checkpoint.isPresent()) {
      checkpointed(seq, now);
    } else {
      sinceCheckpoint += rows.size();
    }
    return rows;
  }

  private void checkpointIfIdleAndDue() {
    Instant now = clock.instant();
    if (sinceCheckpoint > 0 && head != null
        && !now.isBefore(lastCheckpointTime.plus(settings.checkpointInterval()))) {
      writeStandaloneCheckpoint(now);
    }
  }

  private void finalCheckpoint() {
    if (sinceCheckpoint > 0 && head != null) {
      writeStandaloneCheckpoint(clock.instant());
    }
  }

  private void writeStandaloneCheckpoint(Instant now) {
    try {
      ChainHead h = head;
      if (h.seq() == lastCheckpointSeq) {
        return;
      }
      store.appendCheckpoint(key.sign(chainId, h.seq(), h.hash(), now, store.registryHead()));
      checkpointed(h.seq(), now);
    } catch (RuntimeException e) {
      lastCheckpointTime = now; // retry after the next interval
    }
  }

  private void checkpointed(long seq, Instant now) {
    sinceCheckpoint = 0;
    lastCheckpointSeq = seq;
    lastCheckpointTime = now;
  }

  /**
   * Stops accepting events, writes what is queued, writes a final checkpoint and stops the
   * thread. Futures submitted concurrently with close fail with {@code ledger_closed}.
   */
  @Override
  public void close() {
    closing = true;
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    Pending left;
    while ((left = queue.poll()) != null) {
      left.future().completeExceptionally(
          new LedgerException("ledger_closed", "the ledger is closed"));
    }
  }

  private record Pending(LedgerEvent event, CompletableFuture<AppendedEvent> future) {}
}

package run.caracal.ledger.verify;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import run.caracal.ledger.LedgerException;
import run.caracal.ledger.chain.ChainRecord;
import run.caracal.ledger.checkpoint.TrustedKeys;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.store.EventSink;
import run.caracal.ledger.store.LedgerSnapshot;

/**
 * Verifies the whole ledger from one database snapshot. Reading rows and hashing overlap: a
 * reader thread streams the snapshot's events in blocks while the calling thread verifies them.
 * Stateless and thread-safe.
 */
public final class SnapshotVerifier {
  private static final int BLOCK = 1_024;
  private static final List<Object> END = List.of();

  private SnapshotVerifier() {}

  /** Runs {@link ChainVerifier} over the registry, checkpoints and every chain's events. */
  public static VerificationReport verify(LedgerSnapshot snapshot, TrustedKeys keys) {
    ChainVerifier verifier = new ChainVerifier(keys);
    List<ChainRecord> chains = snapshot.chains();
    verifier.registry(chains);
    verifier.checkpoints(snapshot.checkpoints());
    Set<String> order = new LinkedHashSet<>();
    chains.forEach(c -> order.add(c.chainId()));
    order.addAll(snapshot.eventChains().keySet());

    BlockingQueue<List<Object>> blocks = new ArrayBlockingQueue<>(16);
    AtomicReference<RuntimeException> failure = new AtomicReference<>();
    Thread reader = new Thread(() -> {
      Blocker blocker = new Blocker(blocks);
      try {
        for (String chainId : order) {
          snapshot.events(chainId, blocker);
        }
        blocker.flush();
      } catch (RuntimeException e) {
        failure.set(e);
      } finally {
        put(blocks, END);
      }
    }, "caracal-ledger-verify-reader");
    reader.setDaemon(true);
    reader.start();
    try {
      for (List<Object> block = blocks.take(); block != END; block = blocks.take()) {
        for (Object item : block) {
          if (item instanceof AppendedEvent event) {
            verifier.event(event);
          } else {
            Unreadable u = (Unreadable) item;
            verifier.unreadable(u.chainId(), u.seq(), u.reason());
          }
        }
      }
      reader.join();
    } catch (InterruptedException e) {
      reader.interrupt();
      Thread.currentThread().interrupt();
      throw new LedgerException("ledger_interrupted", "verification was interrupted");
    }
    if (failure.get() != null) {
      throw failure.get();
    }
    return verifier.finish();
  }

  private static void put(BlockingQueue<List<Object>> queue, List<Object> block) {
    try {
      queue.put(block);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new LedgerException("ledger_interrupted", "verification was interrupted");
    }
  }

  private record Unreadable(String chainId, long seq, String reason) {}

  /** Groups streamed events into blocks for the verifying thread. */
  private static final class Blocker implements EventSink {
    private final BlockingQueue<List<Object>> queue;
    private List<Object> block = new ArrayList<>(BLOCK);

    Blocker(BlockingQueue<List<Object>> queue) {
      this.queue = queue;
    }

    @Override
    public void event(AppendedEvent event) {
      add(event);
    }

    @Override
    public void unreadable(String chainId, long seq, String reason) {
      add(new Unreadable(chainId, seq, reason));
    }

    private void add(Object item) {
      block.add(item);
      if (block.size() == BLOCK) {
        flush();
      }
    }

    void flush() {
      if (!block.isEmpty()) {
        put(queue, block);
        block = new ArrayList<>(BLOCK);
      }
    }
  }
}

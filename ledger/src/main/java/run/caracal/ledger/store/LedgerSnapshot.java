package run.caracal.ledger.store;

import java.util.List;
import java.util.Map;
import run.caracal.ledger.chain.ChainRecord;
import run.caracal.ledger.checkpoint.Checkpoint;

/**
 * A consistent read-only view of the ledger, valid only inside
 * {@link LedgerStore#snapshot}. Not thread-safe.
 */
public interface LedgerSnapshot {
  /** The registry, by ordinal. */
  List<ChainRecord> chains();

  /** All checkpoints, by chain id then sequence. */
  List<Checkpoint> checkpoints();

  /** Chain ids that have events, with their event counts. */
  Map<String, Long> eventChains();

  /** Streams the events of {@code chainId} in sequence order. */
  void events(String chainId, EventSink sink);
}

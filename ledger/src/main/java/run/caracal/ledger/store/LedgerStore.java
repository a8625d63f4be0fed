package run.caracal.ledger.store;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import run.caracal.ledger.chain.ChainHead;
import run.caracal.ledger.chain.ChainRecord;
import run.caracal.ledger.chain.RegistryHead;
import run.caracal.ledger.checkpoint.Checkpoint;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.query.EventFilter;
import run.caracal.ledger.query.EventPage;
import run.caracal.ledger.query.PageRequest;

/**
 * Storage for the ledger's three tables: chain registry, events, checkpoints. Only inserts and
 * reads; nothing is ever updated or deleted. Implementations are thread-safe. Every method
 * throws {@link run.caracal.ledger.LedgerException} ({@code ledger_storage_error}) when the
 * database fails.
 */
public interface LedgerStore {

  /** The latest registry entry, or {@link RegistryHead#EMPTY}. */
  RegistryHead registryHead();

  /** Registers a new chain as the next registry entry (retrying when another writer races). */
  ChainRecord registerChain(String chainId, Instant startedAt, String writer);

  /** The last committed event of {@code chainId}, or {@link ChainHead#EMPTY}. */
  ChainHead chainHead(String chainId);

  /** Inserts the events and, when present, the checkpoint, in one transaction. */
  void append(List<AppendedEvent> events, Optional<Checkpoint> checkpoint);

  /** Inserts one checkpoint. */
  void appendCheckpoint(Checkpoint checkpoint);

  /** Events with {@code requestId}, in time order. */
  List<AppendedEvent> byRequestId(String requestId);

  /**
   * Events with {@code traceId}, plus (when {@code related}) events sharing a session id or
   * token fingerprint with them, in time order; at most {@code limit} events.
   */
  List<AppendedEvent> byTraceId(String traceId, boolean related, int limit);

  /** One page of events matching {@code filter}. */
  EventPage list(EventFilter filter, PageRequest page);

  /** Runs {@code reader} over one consistent, read-only snapshot of the whole ledger. */
  <T> T snapshot(Function<LedgerSnapshot, T> reader);
}

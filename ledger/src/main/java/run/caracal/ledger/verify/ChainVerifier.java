package run.caracal.ledger.verify;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import run.caracal.ledger.chain.ChainRecord;
import run.caracal.ledger.chain.EventHashing;
import run.caracal.ledger.chain.Hashes;
import run.caracal.ledger.checkpoint.Checkpoint;
import run.caracal.ledger.checkpoint.TrustedKeys;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.store.EventSink;

/**
 * The verification algorithm, fed from a database snapshot or an export: first
 * {@link #registry}, then {@link #checkpoints}, then every chain's events in sequence order,
 * then {@link #finish}. Reports the first problem of each chain (later events of a broken chain
 * are counted, not checked). Not thread-safe; use one per verification.
 */
public final class ChainVerifier implements EventSink {
  private static final int REORDER_WINDOW = 1_024;
  private static final int MAX_FINDINGS = 1_000;

  private final TrustedKeys keys;
  private final List<Finding> global = new ArrayList<>();
  private final Map<String, ChainState> chains = new LinkedHashMap<>();
  private final Map<Long, String> registryHashes = new HashMap<>();
  private long maxOrdinal;
  private long events;
  private long checkpoints;

  public ChainVerifier(TrustedKeys keys) {
    this.keys = keys;
  }

  /** Checks the registry: ordinals 1..n without gaps, each entry's hash and link. */
  public void registry(List<ChainRecord> records) {
    long expected = 1;
    String prev = Hashes.ZERO;
    for (ChainRecord r : records) {
      if (r.ordinal() > expected) {
        global.add(new Finding(FindingKind.CHAIN_MISSING, r.chainId(), 0, "registry entries "
            + expected + ".." + (r.ordinal() - 1) + " are missing before this chain"
            + " (a whole chain was deleted)"));
      } else if (!r.hashMatches()) {
        global.add(new Finding(FindingKind.REGISTRY_CHANGED, r.chainId(), 0,
            "registry entry " + r.ordinal() + " was edited (its hash does not match)"));
      } else if (!r.prevHash().equals(prev)) {
        global.add(new Finding(FindingKind.REGISTRY_CHANGED, r.chainId(), 0,
            "registry entry " + r.ordinal() + " does not link to entry " + (r.ordinal() - 1)));
      }
      registryHashes.put(r.ordinal(), r.hash());
      chains.put(r.chainId(), new ChainState(r.chainId()));
      maxOrdinal = Math.max(maxOrdinal, r.ordinal());
      expected = r.ordinal() + 1;
      prev = r.hash();
    }
  }

  /** Checks each checkpoint's signature and the registry state it covers. */
  public void checkpoints(List<Checkpoint> list) {
    for (Checkpoint c : list) {
      checkpoints++;
      if (keys.key(c.keyId()).isEmpty()) {
        global.add(new Finding(FindingKind.CHECKPOINT_KEY_UNKNOWN, c.chainId(), c.seq(),
            "checkpoint is signed by untrusted key `" + c.keyId() + "`"));
        continue;
      }
      if (!keys.verifies(c)) {
        global.add(new Finding(FindingKind.CHECKPOINT_SIGNATURE_INVALID, c.chainId(), c.seq(),
            "checkpoint signature does not verify (forged or edited checkpoint)"));
        continue;
      }
      if (c.registryOrdinal() > maxOrdinal) {
        global.add(new Finding(FindingKind.CHAIN_MISSING, c.chainId(), c.seq(), "checkpoint "
            + "covers registry entry " + c.registryOrdinal() + " but the registry ends at "
            + maxOrdinal + " (a whole chain was deleted)"));
      } else if (c.registryOrdinal() > 0) {
        String h = registryHashes.get(c.registryOrdinal());
        if (h == null) {
          global.add(new Finding(FindingKind.CHAIN_MISSING, c.chainId(), c.seq(), "registry "
              + "entry " + c.registryOrdinal() + " covered by this checkpoint is missing"));
        } else if (!h.equals(c.registryHash())) {
          global.add(new Finding(FindingKind.REGISTRY_CHANGED, c.chainId(), c.seq(), "registry "
              + "entry " + c.registryOrdinal() + " differs from what this checkpoint signed"));
        }
      }
      state(c.chainId()).checkpoints.put(c.seq(), c);
    }
  }

  @Override
  public void event(AppendedEvent e) {
    events++;
    ChainState s = state(e.chainId());
    long expected = s.lastSeq + 1;
    long seq = e.seq();
    s.lastSeq = Math.max(s.lastSeq, seq);
    if (s.broken) {
      return;
    }
    if (seq > expected) {
      s.fail(FindingKind.EVENT_MISSING, seq, "events " + expected + ".." + (seq - 1)
          + " are missing before this event");
    } else if (seq < expected) {
      s.fail(FindingKind.ORDER_CHANGED, seq, "event appears after sequence " + (expected - 1));
    } else if (!EventHashing.recompute(e).equals(e.hash())) {
      long at = originalSeq(e);
      if (at > 0) {
        s.fail(FindingKind.ORDER_CHANGED, seq, "event `" + e.event().id()
            + "` was recorded at sequence " + at);
      } else {
        s.fail(FindingKind.CONTENT_CHANGED, seq, "event `" + e.event().id()
            + "` does not match its hash (a field was changed)");
      }
    } else if (!e.prevHash().equals(s.lastHash)) {
      s.fail(FindingKind.LINK_BROKEN, seq, "prev_hash does not match the hash of sequence "
          + (seq - 1) + " (an event was replaced or re-hashed)");
    } else {
      Checkpoint c = s.checkpoints.get(seq);
      if (c != null && !c.hash().equals(e.hash())) {
        s.fail(FindingKind.CHECKPOINT_MISMATCH, seq, "event hash differs from the signed "
            + "checkpoint (the chain was rewritten)");
      }
    }
    s.lastHash = e.hash();
  }

  @Override
  public void unreadable(String chainId, long seq, String reason) {
    events++;
    ChainState s = state(chainId);
    s.lastSeq = Math.max(s.lastSeq, seq);
    if (!s.broken) {
      s.fail(FindingKind.CONTENT_CHANGED, seq, "event cannot be read (a field was changed): "
          + reason);
    }
  }

  /** Adds a finding from the caller (e.g. a malformed export). */
  public void report(Finding finding) {
    global.add(finding);
  }

  /** Checks each chain's end against its last valid checkpoint and returns the report. */
  public VerificationReport finish() {
    List<Finding> all = new ArrayList<>(global);
    for (ChainState s : chains.values()) {
      if (!s.registered) {
        all.add(new Finding(FindingKind.CHAIN_UNREGISTERED, s.chainId, 0,
            "chain is not in the chain registry"));
      }
      all.addAll(s.findings);
      if (!s.checkpoints.isEmpty()) {
        Checkpoint last = s.checkpoints.lastEntry().getValue();
        if (last.seq() > s.lastSeq) {
          all.add(new Finding(FindingKind.TAIL_TRUNCATED, s.chainId, s.lastSeq + 1, "chain ends"
              + " at sequence " + s.lastSeq + " but a checkpoint signed sequence " + last.seq()));
        }
      }
    }
    long chainCount = chains.size();
    return new VerificationReport(chainCount, events, checkpoints,
        all.subList(0, Math.min(all.size(), MAX_FINDINGS)));
  }

  private long originalSeq(AppendedEvent e) {
    long from = Math.max(1, e.seq() - REORDER_WINDOW);
    for (long candidate = from; candidate <= e.seq() + REORDER_WINDOW; candidate++) {
      if (candidate != e.seq() && EventHashing.hash(e.event(), e.chainId(), candidate,
          e.prevHash()).equals(e.hash())) {
        return candidate;
      }
    }
    return 0;
  }

  private ChainState state(String chainId) {
    return chains.computeIfAbsent(chainId, id -> {
      ChainState s = new ChainState(id);
      s.registered = false;
      return s;
    });
  }

  private static final class ChainState {
    final String chainId;
    final TreeMap<Long, Checkpoint> checkpoints = new TreeMap<>();
    final List<Finding> findings = new ArrayList<>(1);
    boolean registered = true;
    boolean broken;
    long lastSeq;
    String lastHash = Hashes.ZERO;

    ChainState(String chainId) {
      this.chainId = chainId;
    }

    void fail(FindingKind kind, long seq, String message) {
      findings.add(new Finding(kind, chainId, seq, message));
      broken = true;
    }
  }
}

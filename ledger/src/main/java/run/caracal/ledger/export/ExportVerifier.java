package run.caracal.ledger.export;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import run.caracal.ledger.LedgerException;
import run.caracal.ledger.chain.ChainRecord;
import run.caracal.ledger.chain.Timestamps;
import run.caracal.ledger.checkpoint.Checkpoint;
import run.caracal.ledger.checkpoint.TrustedKeys;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.event.Decision;
import run.caracal.ledger.event.LedgerEvent;
import run.caracal.ledger.verify.ChainVerifier;
import run.caracal.ledger.verify.Finding;
import run.caracal.ledger.verify.FindingKind;
import run.caracal.ledger.verify.VerificationReport;

/**
 * Verifies an NDJSON export offline, with nothing but the file and the trusted public key(s).
 * Streams the file: memory grows with the number of chains and checkpoints, not events.
 * Stateless and thread-safe.
 */
public final class ExportVerifier {
  private static final JsonFactory JSON = new JsonFactory();

  private ExportVerifier() {}

  /**
   * Verifies the export file.
   *
   * @throws LedgerException {@code export_unreadable} when the file cannot be opened
   */
  public static VerificationReport verify(Path export, TrustedKeys keys) {
    try (InputStream in = Files.newInputStream(export)) {
      return verify(in, keys);
    } catch (IOException e) {
      throw new LedgerException("export_unreadable", "cannot read export `" + export + "`", e);
    }
  }

  /** Verifies an export read from {@code in} (not closed). */
  public static VerificationReport verify(InputStream in, TrustedKeys keys) {
    ChainVerifier verifier = new ChainVerifier(keys);
    Reader reader = new Reader(verifier);
    try (JsonParser p = JSON.createParser(in)) {
      JsonToken t;
      while ((t = p.nextToken()) != null) {
        if (t != JsonToken.START_OBJECT) {
          throw new IOException("expected an object");
        }
        if (!reader.accept(readFlat(p))) {
          break;
        }
      }
      reader.end();
    } catch (IOException | RuntimeException e) {
      verifier.report(new Finding(FindingKind.EXPORT_MALFORMED, "", 0,
          "export is not valid ndjson after record " + reader.records + ": "
              + String.valueOf(e.getMessage()).lines().findFirst().orElse("")));
      reader.flushHeadOnly();
    }
    return verifier.finish();
  }

  /**
   * Reads one object's scalar members as text, and an explanation held as an object as the text
   * it was stored as; other nested values are skipped.
   */
  private static Map<String, String> readFlat(JsonParser p) throws IOException {
    Map<String, String> out = new HashMap<>(32);
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      if (v == JsonToken.START_OBJECT && name.equals("explanation")) {
        out.put(name, ExportedExplanation.canonical(p).orElseThrow());
      } else if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
        p.skipChildren();
      } else if (v != JsonToken.VALUE_NULL) {
        out.put(name, p.getText());
      }
    }
    return out;
  }

  /** Feeds records to the verifier in the order the format requires. */
  private static final class Reader {
    private final ChainVerifier verifier;
    private final List<ChainRecord> chains = new ArrayList<>();
    private final List<Checkpoint> checkpoints = new ArrayList<>();
    private int stage; // 0 header, 1 chains, 2 checkpoints, 3 events, 4 end
    private boolean headFed;
    private long records;
    private long events;

    Reader(ChainVerifier verifier) {
      this.verifier = verifier;
    }

    boolean accept(Map<String, String> r) {
      records++;
      String kind = r.getOrDefault(ExportFormat.KIND, "");
      int want = switch (kind) {
        case ExportFormat.HEADER -> 0;
        case ExportFormat.CHAIN -> 1;
        case ExportFormat.CHECKPOINT -> 2;
        case ExportFormat.EVENT, ExportFormat.UNREADABLE -> 3;
        case ExportFormat.END -> 4;
        default -> -1;
      };
      if (want < 0 || want < stage || (records == 1) != (want == 0) || stage == 4) {
        throw new IllegalStateException("record `" + kind + "` out of place");
      }
      stage = want;
      switch (kind) {
        case ExportFormat.HEADER -> header(r);
        case ExportFormat.CHAIN -> chains.add(chain(r));
        case ExportFormat.CHECKPOINT -> checkpoints.add(checkpoint(r));
        case ExportFormat.EVENT -> event(r);
        case ExportFormat.UNREADABLE -> {
          flushHead();
          events++;
          verifier.unreadable(r.get("chain_id"), Long.parseLong(r.get("seq")), r.get("reason"));
        }
        default -> endRecord(r);
      }
      return true;
    }

    private void header(Map<String, String> r) {
      int version;
      try {
        version = Integer.parseInt(r.getOrDefault("version", ""));
      } catch (NumberFormatException e) {
        version = -1;
      }
      if (!ExportFormat.FORMAT.equals(r.get("format")) || version < ExportFormat.OLDEST_READ
          || version > ExportFormat.VERSION) {
        throw new IllegalStateException("not a version " + ExportFormat.OLDEST_READ + " to "
            + ExportFormat.VERSION + " export");
      }
    }

    private void event(Map<String, String> r) {
      flushHead();
      events++;
      String chainId = r.get("chain_id");
      long seq = Long.parseLong(r.get("seq"));
      AppendedEvent event;
      try {
        LedgerEvent e = new LedgerEvent(r.get("event_id"), r.get("event_type"),
            Decision.fromWire(r.getOrDefault("decision", "")),
            Timestamps.parse(r.get("occurred_at")), r.get("request_id"), r.get("trace_id"),
            r.get("session_id"), r.get("token_fp"), r.get("zone"), r.get("app"),
            r.get("resource"), r.get("actor"), r.get("explanation"));
        event = new AppendedEvent(e, chainId, seq, r.get("prev_hash"), r.get("hash"));
      } catch (RuntimeException ex) {
        verifier.unreadable(chainId, seq, String.valueOf(ex.getMessage()));
        return;
      }
      verifier.event(event);
    }

    private void endRecord(Map<String, String> r) {
      flushHead();
      if (Long.parseLong(r.get("events")) != events
          || Long.parseLong(r.get("chains")) != chains.size()
          || Long.parseLong(r.get("checkpoints")) != checkpoints.size()) {
        throw new IllegalStateException("end record counts do not match the records read");
      }
    }

    void end() {
      if (stage != 4) {
        throw new IllegalStateException("export ends without its end record (cut short)");
      }
    }

    private void flushHead() {
      if (!headFed) {
        headFed = true;
        verifier.registry(chains);
        verifier.checkpoints(checkpoints);
      }
    }

    void flushHeadOnly() {
      flushHead();
    }
  }

  private static ChainRecord chain(Map<String, String> r) {
    return new ChainRecord(Long.parseLong(r.get("ordinal")), r.get("chain_id"),
        Timestamps.parse(r.get("started_at")), r.get("writer"), r.get("prev_hash"),
        r.get("hash"));
  }

  private static Checkpoint checkpoint(Map<String, String> r) {
    return new Checkpoint(r.get("chain_id"), Long.parseLong(r.get("seq")), r.get("hash"),
        Timestamps.parse(r.get("created_at")), Long.parseLong(r.get("registry_ordinal")),
        r.get("registry_hash"), r.get("key_id"), r.get("signature"));
  }
}

package run.caracal.ledger.export;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import run.caracal.ledger.LedgerException;
import run.caracal.ledger.chain.ChainRecord;
import run.caracal.ledger.chain.Timestamps;
import run.caracal.ledger.checkpoint.Checkpoint;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.event.LedgerEvent;
import run.caracal.ledger.store.EventSink;
import run.caracal.ledger.store.LedgerSnapshot;

/**
 * Writes a whole ledger snapshot as NDJSON (see {@link ExportFormat}). The output is not
 * closed. Stateless and thread-safe.
 */
public final class NdjsonExporter {
  private static final JsonFactory JSON = new JsonFactory();

  private NdjsonExporter() {}

  /**
   * Exports {@code snapshot}; {@code publicKeys} (key id to key) go into the header for
   * information only: a verifier must use keys it trusts, not the ones in the file.
   *
   * @return the number of events written
   * @throws LedgerException {@code export_failed} when the output cannot be written
   */
  public static long export(LedgerSnapshot snapshot, Map<String, PublicKey> publicKeys,
      Instant exportedAt, OutputStream out) {
    try {
      JsonGenerator g = JSON.createGenerator(out);
      g.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
      g.setPrettyPrinter(new MinimalPrettyPrinter("\n"));
      header(g, publicKeys, exportedAt);
      List<ChainRecord> chains = snapshot.chains();
      for (ChainRecord c : chains) {
        chain(g, c);
      }
      List<Checkpoint> checkpoints = snapshot.checkpoints();
      for (Checkpoint c : checkpoints) {
        checkpoint(g, c);
      }
      Set<String> order = new LinkedHashSet<>();
      chains.forEach(c -> order.add(c.chainId()));
      order.addAll(snapshot.eventChains().keySet());
      EventWriter events = new EventWriter(g);
      for (String chainId : order) {
        snapshot.events(chainId, events);
      }
      g.writeStartObject();
      g.writeStringField(ExportFormat.KIND, ExportFormat.END);
      g.writeNumberField("chains", chains.size());
      g.writeNumberField("checkpoints", checkpoints.size());
      g.writeNumberField("events", events.count);
      g.writeEndObject();
      g.writeRaw('\n');
      g.flush();
      return events.count;
    } catch (IOException | UncheckedIOException e) {
      throw new LedgerException("export_failed", "cannot write the export", e);
    }
  }

  /**
   * Writes {@code a} as an export's event line holds it (without the line break): for readers that
   * take events from elsewhere, such as a database, and read them as export lines.
   */
  public static void write(JsonGenerator g, AppendedEvent a) throws IOException {
    LedgerEvent e = a.event();
    g.writeStartObject();
    g.writeStringField(ExportFormat.KIND, ExportFormat.EVENT);
    g.writeStringField("chain_id", a.chainId());
    g.writeNumberField("seq", a.seq());
    g.writeStringField("event_id", e.id());
    g.writeStringField("event_type", e.type());
    g.writeStringField("decision", e.decision().wire());
    g.writeStringField("occurred_at", Timestamps.format(e.occurredAt()));
    g.writeStringField("request_id", e.requestId());
    g.writeStringField("trace_id", e.traceId());
    g.writeStringField("session_id", e.sessionId());
    g.writeStringField("token_fp", e.tokenFingerprint());
    g.writeStringField("zone", e.zone());
    g.writeStringField("app", e.app());
    g.writeStringField("resource", e.resource());
    g.writeStringField("actor", e.actor());
    ExportedExplanation.write(g, e.explanation());
    g.writeStringField("prev_hash", a.prevHash());
    g.writeStringField("hash", a.hash());
    g.writeEndObject();
  }

  private static void header(JsonGenerator g, Map<String, PublicKey> keys, Instant at)
      throws IOException {
    g.writeStartObject();
    g.writeStringField(ExportFormat.KIND, ExportFormat.HEADER);
    g.writeStringField("format", ExportFormat.FORMAT);
    g.writeNumberField("version", ExportFormat.VERSION);
    g.writeStringField("exported_at", Timestamps.format(at));
    g.writeArrayFieldStart("public_keys");
    for (Map.Entry<String, PublicKey> k : keys.entrySet()) {
      g.writeStartObject();
      g.writeStringField("key_id", k.getKey());
      g.writeStringField("algorithm", "Ed25519");
      g.writeStringField("spki", Base64.getEncoder().encodeToString(k.getValue().getEncoded()));
      g.writeEndObject();
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  private static void chain(JsonGenerator g, ChainRecord c) throws IOException {
    g.writeStartObject();
    g.writeStringField(ExportFormat.KIND, ExportFormat.CHAIN);
    g.writeNumberField("ordinal", c.ordinal());
    g.writeStringField("chain_id", c.chainId());
    g.writeStringField("started_at", Timestamps.format(c.startedAt()));
    g.writeStringField("writer", c.writer());
    g.writeStringField("prev_hash", c.prevHash());
    g.writeStringField("hash", c.hash());
    g.writeEndObject();
  }

  private static void checkpoint(JsonGenerator g, Checkpoint c) throws IOException {
    g.writeStartObject();
    g.writeStringField(ExportFormat.KIND, ExportFormat.CHECKPOINT);
    g.writeStringField("chain_id", c.chainId());
    g.writeNumberField("seq", c.seq());
    g.writeStringField("hash", c.hash());
    g.writeStringField("created_at", Timestamps.format(c.createdAt()));
    g.writeNumberField("registry_ordinal", c.registryOrdinal());
    g.writeStringField("registry_hash", c.registryHash());
    g.writeStringField("key_id", c.keyId());
    g.writeStringField("signature", c.signature());
    g.writeEndObject();
  }

  private static final class EventWriter implements EventSink {
    private final JsonGenerator g;
    private long count;

    EventWriter(JsonGenerator g) {
      this.g = g;
    }

    @Override
    public void event(AppendedEvent a) {
      try {
        write(g, a);
        count++;
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
    }

    @Override
    public void unreadable(String chainId, long seq, String reason) {
      try {
        g.writeStartObject();
        g.writeStringField(ExportFormat.KIND, ExportFormat.UNREADABLE);
        g.writeStringField("chain_id", chainId);
        g.writeNumberField("seq", seq);
        g.writeStringField("reason", reason);
        g.writeEndObject();
        count++;
      } catch (IOException ex) {
        throw new UncheckedIOException(ex);
      }
    }
  }
}

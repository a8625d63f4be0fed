package run.caracal.ledger.journal;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32C;
import run.caracal.ledger.chain.EventHashing;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.event.Decision;
import run.caracal.ledger.event.LedgerEvent;

/**
 * The journal's record format: one frame per event, {@code [int length][int crc32c][payload]},
 * the payload version 1 holding the chain position and every field of the event (strings as
 * an int length and UTF-8 bytes). A frame is written whole by one append; a frame cut short by a
 * crash, or whose checksum or hash does not match, ends the readable journal.
 */
final class JournalCodec {
  private static final byte VERSION = 1;
  /** Longest payload accepted when reading: the longest explanation in UTF-8 plus the fields. */
  private static final int MAX_PAYLOAD = LedgerEvent.MAX_EXPLANATION_CHARS * 3 + 8 * 1024;

  private JournalCodec() {}

  /** The frames of {@code events}, in order, as one block to append. */
  static byte[] encode(List<AppendedEvent> events) {
    ByteArrayOutputStream block = new ByteArrayOutputStream(events.size() * 2048);
    ByteArrayOutputStream payload = new ByteArrayOutputStream(2048);
    try {
      DataOutputStream out = new DataOutputStream(block);
      for (AppendedEvent e : events) {
        payload.reset();
        writePayload(new DataOutputStream(payload), e);
        CRC32C crc = new CRC32C();
        crc.update(payload.toByteArray(), 0, payload.size());
        out.writeInt(payload.size());
        out.writeInt((int) crc.getValue());
        payload.writeTo(out);
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e); // in-memory streams do not fail
    }
    return block.toByteArray();
  }

  private static void writePayload(DataOutputStream out, AppendedEvent e) throws IOException {
    LedgerEvent ev = e.event();
    out.writeByte(VERSION);
    writeString(out, e.chainId());
    out.writeLong(e.seq());
    writeString(out, e.prevHash());
    writeString(out, e.hash());
    writeString(out, ev.id());
    writeString(out, ev.type());
    writeString(out, ev.decision().wire());
    out.writeLong(ev.occurredAt().getEpochSecond());
    out.writeInt(ev.occurredAt().getNano());
    writeString(out, ev.requestId());
    writeString(out, ev.traceId());
    writeString(out, ev.sessionId());
    writeString(out, ev.tokenFingerprint());
    writeString(out, ev.zone());
    writeString(out, ev.app());
    writeString(out, ev.resource());
    writeString(out, ev.actor());
    writeString(out, ev.explanation());
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  /**
   * The next event in {@code in}, or empty at the end of the readable journal: the end of the
   * stream, a frame cut short, a bad checksum or an event whose hash does not match its content.
   */
  static Optional<AppendedEvent> read(InputStream in) throws IOException {
    DataInputStream data = new DataInputStream(in);
    byte[] payload;
    int crc;
    try {
      int length = data.readInt();
      if (length <= 0 || length > MAX_PAYLOAD) {
        return Optional.empty();
      }
      crc = data.readInt();
      payload = data.readNBytes(length);
      if (payload.length < length) {
        return Optional.empty();
      }
    } catch (EOFException end) {
      return Optional.empty();
    }
    CRC32C check = new CRC32C();
    check.update(payload);
    if ((int) check.getValue() != crc) {
      return Optional.empty();
    }
    try {
      AppendedEvent event = readPayload(new DataInputStream(new ByteArrayInputStream(payload)));
      return EventHashing.hash(event.event(), event.chainId(), event.seq(), event.prevHash()).equals(event.hash())
          ? Optional.of(event) : Optional.empty();
    } catch (IOException | IllegalArgumentException | NullPointerException e) {
      return Optional.empty();
    }
  }

  private static AppendedEvent readPayload(DataInputStream in) throws IOException {
    if (in.readByte() != VERSION) {
      throw new IOException("unknown journal record version");
    }
    String chainId = readString(in);
    long seq = in.readLong();
    String prevHash = readString(in);
    String hash = readString(in);
    String id = readString(in);
    String type = readString(in);
    Decision decision = Decision.fromWire(readString(in));
    Instant occurredAt = Instant.ofEpochSecond(in.readLong(), in.readInt());
    LedgerEvent event = new LedgerEvent(id, type, decision, occurredAt, readString(in), readString(in),
        readString(in), readString(in), readString(in), readString(in), readString(in), readString(in),
        readString(in));
    return new AppendedEvent(event, chainId, seq, prevHash, hash);
  }

  private static String readString(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > MAX_PAYLOAD) {
      throw new IOException("bad string length");
    }
    return new String(in.readNBytes(length), StandardCharsets.UTF_8);
  }
}

package run.caracal.ledger.query;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import run.caracal.ledger.LedgerException;
import run.caracal.ledger.event.AppendedEvent;

/** The position after which a page starts: (time, chain id, sequence), base64url-encoded. */
public record PageCursor(Instant occurredAt, String chainId, long seq) {

  /** The cursor positioned on {@code event}. */
  public static PageCursor at(AppendedEvent event) {
    return new PageCursor(event.event().occurredAt(), event.chainId(), event.seq());
  }

  /** Encodes the cursor. */
  public String encode() {
    long micros = ChronoUnit.MICROS.between(Instant.EPOCH, occurredAt);
    String raw = micros + "|" + seq + "|" + chainId;
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Decodes a cursor made by {@link #encode()}.
   *
   * @throws LedgerException {@code invalid_cursor}
   */
  public static PageCursor decode(String cursor) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
      String[] parts = raw.split("\\|", 3);
      Instant time = Instant.EPOCH.plus(Long.parseLong(parts[0]), ChronoUnit.MICROS);
      return new PageCursor(time, parts[2], Long.parseLong(parts[1]));
    } catch (RuntimeException e) {
      throw new LedgerException("invalid_cursor", "page cursor `" + cursor + "` is not valid");
    }
  }
}

package run.caracal.ledger.chain;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 as lowercase hex; one digest per thread. Thread-safe. */
public final class Hashes {
  /** The {@code prev_hash} of the first event of every chain and of the first registry entry. */
  public static final String ZERO = "0".repeat(64);

  private static final HexFormat HEX = HexFormat.of();
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("sha-256 unavailable", e);
    }
  });

  private Hashes() {}

  /** Lowercase hex SHA-256 of the UTF-8 encoding of {@code text}. */
  public static String sha256Hex(String text) {
    return HEX.formatHex(SHA256.get().digest(text.getBytes(StandardCharsets.UTF_8)));
  }

  /** Lowercase hex SHA-256 of {@code bytes}. */
  public static String sha256Hex(byte[] bytes) {
    return HEX.formatHex(SHA256.get().digest(bytes));
  }

  /** Lowercase hex SHA-256 of the first {@code length} bytes of {@code bytes}. */
  public static String sha256Hex(byte[] bytes, int length) {
    MessageDigest md = SHA256.get();
    md.update(bytes, 0, length);
    return HEX.formatHex(md.digest());
  }

  /** Whether {@code value} is 64 lowercase hex characters. */
  public static boolean isHash(String value) {
    if (value == null || value.length() != 64) {
      return false;
    }
    for (int i = 0; i < 64; i++) {
      char c = value.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return false;
      }
    }
    return true;
  }
}

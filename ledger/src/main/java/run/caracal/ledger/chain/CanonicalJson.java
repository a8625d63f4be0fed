package run.caracal.ledger.chain;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes one flat JSON object in RFC 8785 (JCS) canonical form as UTF-8 bytes, for objects whose
 * members are strings and integers only: members in ascending key order (callers add them in
 * that order, which is checked), no whitespace, strings escaped as JCS requires (quote,
 * backslash, the short escapes b f n r t, other characters below U+0020 as <code>&#92;u00xx</code>
 * with lowercase hex; everything else literal UTF-8), integers as plain decimal digits.
 * Not thread-safe; {@link #reset()} lets a thread reuse one instance.
 */
public final class CanonicalJson {
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final long MAX_SAFE = (1L << 53) - 1;

  private byte[] buf;
  private int len;
  private String lastKey;

  /** Starts an object, sized for about {@code capacity} bytes. */
  public CanonicalJson(int capacity) {
    buf = new byte[Math.max(64, capacity)];
    reset();
  }

  /** Discards what was written and starts a new object. */
  public CanonicalJson reset() {
    len = 0;
    lastKey = null;
    buf[len++] = '{';
    return this;
  }

  /** Adds a string member. */
  public CanonicalJson str(String key, String value) {
    key(key);
    string(value);
    return this;
  }

  /** Adds an integer member; JCS numbers are exact only within ±(2^53−1). */
  public CanonicalJson num(String key, long value) {
    if (value > MAX_SAFE || value < -MAX_SAFE) {
      throw new IllegalArgumentException("integer out of the exact json range");
    }
    key(key);
    ascii(Long.toString(value));
    return this;
  }

  /** Closes the object and returns its text. */
  public String finish() {
    close();
    return new String(buf, 0, len, StandardCharsets.UTF_8);
  }

  /** Closes the object and returns lowercase hex SHA-256 of its UTF-8 bytes. */
  public String sha256Hex() {
    close();
    return Hashes.sha256Hex(buf, len);
  }

  private void close() {
    ensure(1);
    buf[len++] = '}';
  }

  private void key(String key) {
    if (lastKey != null) {
      if (lastKey.compareTo(key) >= 0) {
        throw new IllegalStateException("keys out of canonical order: " + key);
      }
      ensure(1);
      buf[len++] = ',';
    }
    lastKey = key;
    string(key);
    ensure(1);
    buf[len++] = ':';
  }

  private void ascii(String s) {
    ensure(s.length());
    for (int i = 0; i < s.length(); i++) {
      buf[len++] = (byte) s.charAt(i);
    }
  }

  private void string(String s) {
    int n = s.length();
    ensure(6 * n + 2);
    byte[] b = buf;
    int p = len;
    b[p++] = '"';
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        if (c >= 0x20 && c != '"' && c != '\\') {
          b[p++] = (byte) c;
        } else {
          b[p++] = '\\';
          switch (c) {
            case '"' -> b[p++] = '"';
            case '\\' -> b[p++] = '\\';
            case '\b' -> b[p++] = 'b';
            case '\f' -> b[p++] = 'f';
            case '\n' -> b[p++] = 'n';
            case '\r' -> b[p++] = 'r';
            case '\t' -> b[p++] = 't';
            default -> {
              b[p++] = 'u';
              b[p++] = '0';
              b[p++] = '0';
              b[p++] = HEX[c >> 4];
              b[p++] = HEX[c & 0xf];
            }
          }
        }
      } else if (c < 0x800) {
        b[p++] = (byte) (0xc0 | (c >> 6));
        b[p++] = (byte) (0x80 | (c & 0x3f));
      } else if (Character.isHighSurrogate(c) && i + 1 < n
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        b[p++] = (byte) (0xf0 | (cp >> 18));
        b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
        b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
        b[p++] = (byte) (0x80 | (cp & 0x3f));
      } else if (Character.isSurrogate(c)) {
        throw new IllegalArgumentException("unpaired surrogate in a canonical string");
      } else {
        b[p++] = (byte) (0xe0 | (c >> 12));
        b[p++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        b[p++] = (byte) (0x80 | (c & 0x3f));
      }
    }
    b[p++] = '"';
    len = p;
  }

  private void ensure(int more) {
    if (len + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
    }
  }
}

package run.caracal.control.db;

import java.security.SecureRandom;
import java.util.Locale;

/** Random identifiers with a kind prefix, for example {@code app_3kq9...}: 130 bits, base32. */
public final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
  /** The same characters in ASCII order, so that a time written with them sorts as a string. */
  private static final char[] SORTED = "234567abcdefghijklmnopqrstuvwxyz".toCharArray();

  private Ids() {}

  /**
   * A request id, {@code req_} and 26 base32 characters: the first 10 are the time in
   * milliseconds, so ids sort by creation and the ledger's key index grows at its end; the other
   * 16 carry 80 random bits.
   */
  public static String newRequestId() {
    char[] id = new char[30];
    "req_".getChars(0, 4, id, 0);
    long millis = System.currentTimeMillis();
    for (int i = 13; i >= 4; i--) {
      id[i] = SORTED[(int) (millis & 31)];
      millis >>>= 5;
    }
    byte[] random = new byte[10];
    RANDOM.nextBytes(random);
    long bits = 0;
    int have = 0;
    int at = 14;
    for (byte b : random) {
      bits = (bits << 8) | (b & 0xff);
      have += 8;
      while (have >= 5) {
        have -= 5;
        id[at++] = ALPHABET[(int) ((bits >>> have) & 31)];
      }
    }
    return new String(id);
  }

  public static String newId(String prefix) {
    StringBuilder sb = new StringBuilder(prefix.toLowerCase(Locale.ROOT)).append('_');
    for (int i = 0; i < 26; i++) {
      sb.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
    }
    return sb.toString();
  }
}

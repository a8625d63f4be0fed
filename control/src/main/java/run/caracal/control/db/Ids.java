package run.caracal.control.db;

import java.security.SecureRandom;
import java.util.Locale;

/** Random identifiers with a kind prefix, for example {@code app_3kq9...}: 130 bits, base32. */
public final class Ids {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final char[] ALPHABET = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

  private Ids() {}

  public static String newId(String prefix) {
    StringBuilder sb = new StringBuilder(prefix.toLowerCase(Locale.ROOT)).append('_');
    for (int i = 0; i < 26; i++) {
      sb.append(ALPHABET[RANDOM.nextInt(ALPHABET.length)]);
    }
    return sb.toString();
  }
}

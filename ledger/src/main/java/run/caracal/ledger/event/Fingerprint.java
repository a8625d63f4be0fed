package run.caracal.ledger.event;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A one-way fingerprint of a token, token id or secret: the first 16 bytes of
 * SHA-256 over the UTF-8 value, base64url without padding (22 characters).
 *
 * <p>The ledger stores fingerprints, never raw tokens: the STS and the Gateway both compute
 * {@code Fingerprint.of(jti)} for the same token, so their events join without the ledger ever
 * holding the token. Immutable and thread-safe.
 */
public record Fingerprint(String value) {
  private static final Pattern FORMAT = Pattern.compile("[A-Za-z0-9_-]{22}");

  /**
   * Checks the format.
   *
   * @throws IllegalArgumentException when {@code value} is not a 22-character base64url string
   */
  public Fingerprint {
    Objects.requireNonNull(value, "value");
    if (!FORMAT.matcher(value).matches()) {
      throw new IllegalArgumentException("invalid_fingerprint: not a fingerprint");
    }
  }

  /** Fingerprints a secret value (token, jti, client secret). */
  public static Fingerprint of(String secret) {
    Objects.requireNonNull(secret, "secret");
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
      return new Fingerprint(
          Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(digest, 16)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("sha-256 unavailable", e);
    }
  }

  /** Whether {@code value} has the fingerprint format. */
  public static boolean isFingerprint(String value) {
    return value != null && FORMAT.matcher(value).matches();
  }

  @Override
  public String toString() {
    return value;
  }
}

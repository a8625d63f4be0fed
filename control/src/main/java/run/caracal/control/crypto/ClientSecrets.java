package run.caracal.control.crypto;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Application client secrets: 256 random bits, shown once, stored only as a SHA-256 hash (the
 * secret's entropy makes a slow hash unnecessary), compared in constant time. Thread-safe.
 */
public final class ClientSecrets {
  private static final SecureRandom RANDOM = new SecureRandom();
  /** Prefix that makes leaked secrets easy to find with secret scanners. */
  public static final String PREFIX = "cs_";

  private ClientSecrets() {}

  public static String generate() {
    return generate(PREFIX);
  }

  /** 256 random bits, base64url, after {@code prefix}: any shown-once credential stored as its {@link #hash}. */
  public static String generate(String prefix) {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return prefix + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  /** The stored form of a secret: `sha256:` and the hex SHA-256 of its UTF-8 bytes. */
  public static String hash(String secret) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return "sha256:" + HexFormat.of().formatHex(digest.digest(secret.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("sha-256 is not available", e);
    }
  }

  /** Constant-time comparison of a presented secret with a stored hash. */
  public static boolean matches(String presented, String storedHash) {
    if (presented == null || storedHash == null) {
      return false;
    }
    return MessageDigest.isEqual(hash(presented).getBytes(StandardCharsets.US_ASCII),
        storedHash.getBytes(StandardCharsets.US_ASCII));
  }
}

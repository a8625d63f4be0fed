package run.caracal.control.crypto;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts secrets at rest (signing keys, upstream credentials) with AES-256-GCM under a master
 * key kept in a file of mode 0600. Each value gets a fresh 96-bit nonce; the stored form is
 * {@code v1:<base64(nonce || ciphertext || tag)>}. The associated data binds a value to its
 * place (e.g. the key id), so a ciphertext copied to another row does not decrypt. Thread-safe.
 */
public final class SecretBox {
  private static final String PREFIX = "v1:";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final SecretKeySpec key;

  private SecretBox(byte[] key) {
    this.key = new SecretKeySpec(key, "AES");
  }

  /** Loads the master key, creating it (mode 0600) when the file does not exist. */
  public static SecretBox open(Path keyFile) {
    try {
      if (!Files.exists(keyFile)) {
        byte[] fresh = new byte[32];
        RANDOM.nextBytes(fresh);
        Files.createDirectories(keyFile.toAbsolutePath().getParent());
        try {
          Files.createFile(keyFile, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
          Files.writeString(keyFile, Base64.getEncoder().encodeToString(fresh) + "\n");
        } catch (FileAlreadyExistsException raced) {
          // another process created it first; read theirs
        }
      }
      byte[] key = Base64.getDecoder().decode(Files.readString(keyFile).trim());
      if (key.length != 32) {
        throw new IllegalStateException("master key `" + keyFile + "` must hold 32 bytes of base64");
      }
      return new SecretBox(key);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create master key `" + keyFile + "`", e);
    }
  }

  /** A box with a given key (tests). */
  public static SecretBox withKey(byte[] key) {
    return new SecretBox(key.clone());
  }

  /**
   * A key for another purpose derived from this box's key (HMAC-SHA256 of the purpose), so one
   * master key file serves every keyed use without the uses sharing a key.
   */
  public byte[] derive(String purpose) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key.getEncoded(), "HmacSHA256"));
      return mac.doFinal(purpose.getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("hmac-sha256 unavailable", e);
    }
  }

  public String seal(String plaintext, String associatedData) {
    try {
      byte[] nonce = new byte[12];
      RANDOM.nextBytes(nonce);
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
      cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      byte[] sealed = cipher.doFinal(plaintext.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[nonce.length + sealed.length];
      System.arraycopy(nonce, 0, out, 0, nonce.length);
      System.arraycopy(sealed, 0, out, nonce.length, sealed.length);
      return PREFIX + Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot encrypt", e);
    }
  }

  /** Decrypts; throws when the value was tampered with, moved, or sealed with another key. */
  public String open(String sealed, String associatedData) {
    if (!sealed.startsWith(PREFIX)) {
      throw new IllegalStateException("encrypted value has an unknown format");
    }
    try {
      byte[] in = Base64.getDecoder().decode(sealed.substring(PREFIX.length()));
      Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
      cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, in, 0, 12));
      cipher.updateAAD(associatedData.getBytes(StandardCharsets.UTF_8));
      return new String(cipher.doFinal(in, 12, in.length - 12), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException("encrypted value cannot be opened (wrong master key or tampered)", e);
    }
  }
}

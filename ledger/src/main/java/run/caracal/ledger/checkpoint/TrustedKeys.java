package run.caracal.ledger.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import run.caracal.ledger.LedgerException;

/**
 * The Ed25519 public keys a verifier trusts, by key id. Immutable and thread-safe.
 */
public final class TrustedKeys {
  private final Map<String, PublicKey> byId;

  private TrustedKeys(Map<String, PublicKey> byId) {
    this.byId = Map.copyOf(byId);
  }

  /** Trusts the given keys. */
  public static TrustedKeys of(PublicKey... keys) {
    return of(List.of(keys));
  }

  /** Trusts the given keys. */
  public static TrustedKeys of(List<PublicKey> keys) {
    Map<String, PublicKey> map = new LinkedHashMap<>();
    for (PublicKey key : keys) {
      map.put(Pem.keyId(key), key);
    }
    return new TrustedKeys(map);
  }

  /**
   * Reads a PEM file holding a {@code PUBLIC KEY} block (the {@code .pub.pem} written next to
   * the signing key; the private key file works too).
   *
   * @throws LedgerException {@code public_key_invalid} when it cannot be read
   */
  public static TrustedKeys fromPemFile(Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.US_ASCII);
      return of(Pem.publicKey(Pem.decode(text, "PUBLIC KEY")));
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new LedgerException("public_key_invalid", "cannot read public key `" + file + "`", e);
    }
  }

  /** The key with {@code keyId}. */
  public Optional<PublicKey> key(String keyId) {
    return Optional.ofNullable(byId.get(keyId));
  }

  /** Key ids with their keys, in insertion order. */
  public Map<String, PublicKey> all() {
    return byId;
  }

  /** Whether the checkpoint carries a valid signature by a trusted key. */
  public boolean verifies(Checkpoint checkpoint) {
    PublicKey key = byId.get(checkpoint.keyId());
    if (key == null) {
      return false;
    }
    try {
      Signature verifier = Signature.getInstance("Ed25519");
      verifier.initVerify(key);
      verifier.update(checkpoint.payload().getBytes(StandardCharsets.UTF_8));
      return verifier.verify(Base64.getUrlDecoder().decode(checkpoint.signature()));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return false;
    }
  }
}

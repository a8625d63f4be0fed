package run.caracal.ledger.checkpoint;

import java.time.Instant;
import java.util.Objects;
import run.caracal.ledger.chain.CanonicalJson;
import run.caracal.ledger.chain.RegistryHead;
import run.caracal.ledger.chain.Timestamps;

/**
 * A signed statement "chain {@code chainId} had {@code seq} events ending in {@code hash}, and
 * the chain registry had {@code registryOrdinal} entries ending in {@code registryHash}, at
 * {@code createdAt}". The signature is Ed25519 over the UTF-8 bytes of {@link #payload()}, an
 * RFC 8785 object with members {@code chain_id, created_at, hash, key_id, registry_hash,
 * registry_ordinal, seq, v}. Immutable and thread-safe.
 *
 * @param keyId the signing key's id (see {@link SigningKey#keyId()})
 * @param signature base64url (no padding) Ed25519 signature
 */
public record Checkpoint(
    String chainId, long seq, String hash, Instant createdAt, long registryOrdinal,
    String registryHash, String keyId, String signature) {
  public Checkpoint {
    Objects.requireNonNull(chainId, "chainId");
    Objects.requireNonNull(hash, "hash");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(registryHash, "registryHash");
    Objects.requireNonNull(keyId, "keyId");
    Objects.requireNonNull(signature, "signature");
  }

  /** The bytes that are signed, as text. */
  public String payload() {
    return payload(chainId, seq, hash, createdAt, registryOrdinal, registryHash, keyId);
  }

  /** The registry head this checkpoint covers. */
  public RegistryHead registryHead() {
    return new RegistryHead(registryOrdinal, registryHash);
  }

  static String payload(String chainId, long seq, String hash, Instant createdAt,
      long registryOrdinal, String registryHash, String keyId) {
    return new CanonicalJson(320)
        .str("chain_id", chainId)
        .str("created_at", Timestamps.format(createdAt))
        .str("hash", hash)
        .str("key_id", keyId)
        .str("registry_hash", registryHash)
        .num("registry_ordinal", registryOrdinal)
        .num("seq", seq)
        .num("v", 1)
        .finish();
  }
}

package run.caracal.ledger.checkpoint;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Set;
import run.caracal.ledger.LedgerException;
import run.caracal.ledger.chain.RegistryHead;

/**
 * The Ed25519 key that signs checkpoints, kept in {@code <dir>/ledger-signing.pem} (PKCS#8
 * private key then SPKI public key, PEM; mode 0600, created if missing, refused when group or
 * other may read it). The public key is also written to {@code <dir>/ledger-signing.pub.pem}.
 * Thread-safe.
 */
public final class SigningKey {
  /** File name of the private key file inside the key directory. */
  public static final String KEY_FILE = "ledger-signing.pem";
  /** File name of the public key file inside the key directory. */
  public static final String PUBLIC_FILE = "ledger-signing.pub.pem";

  private final PrivateKey privateKey;
  private final PublicKey publicKey;
  private final String keyId;

  private SigningKey(PrivateKey privateKey, PublicKey publicKey) {
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.keyId = Pem.keyId(publicKey);
  }

  /**
   * Loads the key from {@code directory}, creating the directory and a new key when missing.
   *
   * @throws LedgerException {@code key_file_insecure} when the file is readable by group or
   *     other, {@code key_file_invalid} when it cannot be read or parsed
   */
  public static SigningKey loadOrCreate(Path directory) {
    Path file = directory.resolve(KEY_FILE);
    try {
      Files.createDirectories(directory);
      if (!Files.exists(file)) {
        create(directory, file);
      }
      checkPermissions(file);
      String text = Files.readString(file, StandardCharsets.US_ASCII);
      PrivateKey priv = KeyFactory.getInstance("Ed25519")
          .generatePrivate(new PKCS8EncodedKeySpec(Pem.decode(text, "PRIVATE KEY")));
      PublicKey pub = Pem.publicKey(Pem.decode(text, "PUBLIC KEY"));
      SigningKey key = new SigningKey(priv, pub);
      Path pubFile = directory.resolve(PUBLIC_FILE);
      if (!Files.exists(pubFile)) {
        Files.writeString(pubFile, Pem.encode("PUBLIC KEY", pub.getEncoded()));
      }
      return key;
    } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
      throw new LedgerException("key_file_invalid",
          "cannot load the checkpoint signing key `" + file + "`", e);
    }
  }

  private static void create(Path directory, Path file)
      throws IOException, GeneralSecurityException {
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    String text = Pem.encode("PRIVATE KEY", pair.getPrivate().getEncoded())
        + Pem.encode("PUBLIC KEY", pair.getPublic().getEncoded());
    Path temp = directory.resolve(KEY_FILE + "." + ProcessHandle.current().pid() + ".tmp");
    Files.deleteIfExists(temp);
    if (isPosix(directory)) {
      Files.createFile(temp, PosixFilePermissions.asFileAttribute(
          Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE)));
    } else {
      Files.createFile(temp);
    }
    Files.writeString(temp, text, StandardCharsets.US_ASCII);
    try {
      Files.createLink(file, temp); // atomic, fails when another process won the race
    } catch (FileAlreadyExistsException raced) {
      // keep the other process's key
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void checkPermissions(Path file) throws IOException {
    if (!isPosix(file)) {
      return;
    }
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
    for (PosixFilePermission p : perms) {
      if (p.name().startsWith("GROUP") || p.name().startsWith("OTHERS")) {
        throw new LedgerException("key_file_insecure",
            "checkpoint signing key `" + file + "` is readable by group or other (want 0600)");
      }
    }
  }

  private static boolean isPosix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  /** The public key. */
  public PublicKey publicKey() {
    return publicKey;
  }

  /** The key id: base64url SHA-256 of the SPKI encoding, first 16 bytes. */
  public String keyId() {
    return keyId;
  }

  /** Trusted keys holding only this key's public half. */
  public TrustedKeys trusted() {
    return TrustedKeys.of(publicKey);
  }

  /** Creates and signs a checkpoint. */
  public Checkpoint sign(String chainId, long seq, String hash, Instant createdAt,
      RegistryHead registry) {
    String payload = Checkpoint.payload(
        chainId, seq, hash, createdAt, registry.ordinal(), registry.hash(), keyId);
    try {
      Signature signer = Signature.getInstance("Ed25519");
      signer.initSign(privateKey);
      signer.update(payload.getBytes(StandardCharsets.UTF_8));
      String signature = Base64.getUrlEncoder().withoutPadding().encodeToString(signer.sign());
      return new Checkpoint(chainId, seq, hash, createdAt, registry.ordinal(), registry.hash(),
          keyId, signature);
    } catch (GeneralSecurityException e) {
      throw new LedgerException("checkpoint_sign_failed", "cannot sign a checkpoint", e);
    }
  }
}

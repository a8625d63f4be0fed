package run.caracal.control.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretBoxTest {
  private static byte[] key(int fill) {
    byte[] k = new byte[32];
    java.util.Arrays.fill(k, (byte) fill);
    return k;
  }

  @Test
  void open_sealedWithSameKeyAndAad_returnsPlaintext() {
    SecretBox box = SecretBox.withKey(key(1));
    String sealed = box.seal("the secret", "signing-key:k1");
    assertTrue(sealed.startsWith("v1:"), sealed);
    assertFalse(sealed.contains("the secret"));
    assertEquals("the secret", box.open(sealed, "signing-key:k1"));
  }

  @Test
  void seal_samePlaintextTwice_usesFreshNonce() {
    SecretBox box = SecretBox.withKey(key(1));
    assertNotEquals(box.seal("x", "a"), box.seal("x", "a"));
  }

  @Test
  void open_tamperedCiphertext_fails() {
    SecretBox box = SecretBox.withKey(key(1));
    String sealed = box.seal("the secret", "aad");
    byte[] raw = Base64.getDecoder().decode(sealed.substring(3));
    for (int i : new int[] {0, 12, raw.length - 1}) {
      byte[] copy = raw.clone();
      copy[i] ^= 0x01;
      String tampered = "v1:" + Base64.getEncoder().encodeToString(copy);
      assertThrows(IllegalStateException.class, () -> box.open(tampered, "aad"), "flipped byte " + i);
    }
  }

  @Test
  void open_truncatedOrGarbage_fails() {
    SecretBox box = SecretBox.withKey(key(1));
    String sealed = box.seal("the secret", "aad");
    assertThrows(IllegalStateException.class, () -> box.open(sealed.substring(0, sealed.length() - 4), "aad"));
    assertThrows(IllegalStateException.class, () -> box.open("v1:not base64!", "aad"));
    assertThrows(IllegalStateException.class, () -> box.open("v2:" + sealed.substring(3), "aad"));
  }

  @Test
  void open_wrongAssociatedData_fails() {
    SecretBox box = SecretBox.withKey(key(1));
    String sealed = box.seal("the secret", "signing-key:k1");
    assertThrows(IllegalStateException.class, () -> box.open(sealed, "signing-key:k2"));
    assertThrows(IllegalStateException.class, () -> box.open(sealed, ""));
  }

  @Test
  void open_wrongKey_fails() {
    String sealed = SecretBox.withKey(key(1)).seal("the secret", "aad");
    assertThrows(IllegalStateException.class, () -> SecretBox.withKey(key(2)).open(sealed, "aad"));
  }

  @Test
  void open_keyFileMissing_createsPrivateKeyFileAndReusesIt(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("keys").resolve("master.key");
    SecretBox first = SecretBox.open(file);
    assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE), Files.getPosixFilePermissions(file));
    assertEquals(32, Base64.getDecoder().decode(Files.readString(file).trim()).length);
    String sealed = first.seal("v", "aad");
    assertEquals("v", SecretBox.open(file).open(sealed, "aad"));
  }

  @Test
  void open_keyFileOfWrongLength_refused(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("master.key");
    Files.writeString(file, Base64.getEncoder().encodeToString(new byte[16]));
    assertThrows(IllegalStateException.class, () -> SecretBox.open(file));
  }
}

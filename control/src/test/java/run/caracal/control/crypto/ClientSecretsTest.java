package run.caracal.control.crypto;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClientSecretsTest {
  @Test
  void generate_always_carriesAtLeast256RandomBits() {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      String secret = ClientSecrets.generate();
      assertTrue(secret.startsWith(ClientSecrets.PREFIX), secret);
      byte[] raw = Base64.getUrlDecoder().decode(secret.substring(ClientSecrets.PREFIX.length()));
      assertTrue(raw.length * 8 >= 256, "bits: " + raw.length * 8);
      assertTrue(seen.add(secret), "repeated secret");
    }
  }

  @Test
  void hash_secret_isSha256HexWithoutTheSecret() {
    String secret = ClientSecrets.generate();
    String hash = ClientSecrets.hash(secret);
    assertTrue(hash.matches("sha256:[0-9a-f]{64}"), hash);
    assertFalse(hash.contains(secret.substring(ClientSecrets.PREFIX.length())));
    assertEquals(hash, ClientSecrets.hash(secret));
    // a known vector: sha256("abc")
    assertEquals("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ClientSecrets.hash("abc"));
  }

  @Test
  void matches_rightSecret_true() {
    String secret = ClientSecrets.generate();
    assertTrue(ClientSecrets.matches(secret, ClientSecrets.hash(secret)));
  }

  @Test
  void matches_wrongOrMissing_false() {
    String secret = ClientSecrets.generate();
    String hash = ClientSecrets.hash(secret);
    assertFalse(ClientSecrets.matches(ClientSecrets.generate(), hash));
    assertFalse(ClientSecrets.matches(secret + "x", hash));
    assertFalse(ClientSecrets.matches(secret.substring(1), hash));
    assertFalse(ClientSecrets.matches("", hash));
    assertFalse(ClientSecrets.matches(null, hash));
    assertFalse(ClientSecrets.matches(secret, null));
    // the hash itself is not a credential
    assertFalse(ClientSecrets.matches(hash, hash));
  }
}

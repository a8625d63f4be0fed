package run.caracal.ledger.event;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import run.caracal.ledger.LedgerException;

class SecretGuardTest {
  static final String JWT = "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhZ2VudCIsImp0aSI6IjEyMyJ9."
      + "c2lnbmF0dXJlLWJ5dGVzLWhlcmU";

  static LedgerEvent event(String explanation) {
    return LedgerEvent.builder("authorization").id("e1").occurredAt(Instant.EPOCH)
        .explanation(explanation).build();
  }

  @Test
  void guard_secretKeysAndJwtValues_redactedWithFingerprint() {
    String json = "{\"request\":{\"headers\":{\"Authorization\":\"Bearer " + JWT + "\"},"
        + "\"subject_token\":\"" + JWT + "\",\"client_secret\":\"s3cr3t-value\","
        + "\"note\":\"" + JWT + "\",\"list\":[\"" + JWT + "\"],\"token_fp\":\"x\"},"
        + "\"scopes\":[\"a\"]}";
    String out = SecretGuard.guard(event(json)).explanation();
    assertFalse(out.contains(JWT), out);
    assertFalse(out.contains("s3cr3t-value"), out);
    assertTrue(out.contains("[redacted fp:" + Fingerprint.of(JWT).value() + "]"), out);
    assertTrue(out.contains("\"token_fp\":\"x\""), out);
    assertTrue(out.contains("\"scopes\":[\"a\"]"), out);
  }

  @Test
  void guard_nothingSecret_keepsExplanationByteForByte() {
    LedgerEvent e = event("{ \"b\" : 1,  \"a\":[true, null, 1.50] }");
    assertSame(e, SecretGuard.guard(e));
  }

  @Test
  void guard_notAnObject_rejected() {
    LedgerException e = assertThrows(LedgerException.class,
        () -> SecretGuard.guard(event("[1,2]")));
    assertEquals("invalid_explanation", e.code());
    assertThrows(LedgerException.class, () -> SecretGuard.guard(event("{\"a\":")));
  }

  @Test
  void guard_rawTokenInPlainField_rejected() {
    LedgerEvent e = LedgerEvent.builder("authorization").id("e1").occurredAt(Instant.EPOCH)
        .actor(JWT).build();
    assertEquals("secret_in_field",
        assertThrows(LedgerException.class, () -> SecretGuard.guard(e)).code());
  }

  @Test
  void builder_tokenField_acceptsOnlyFingerprints() {
    assertThrows(IllegalArgumentException.class, () -> new Fingerprint(JWT));
    assertThrows(IllegalArgumentException.class, () -> new LedgerEvent("e", "authorization",
        Decision.NONE, Instant.EPOCH, "", "", "", JWT, "", "", "", "", ""));
    assertEquals(22, Fingerprint.of(JWT).value().length());
  }

  @Test
  void event_invalidType_rejected() {
    assertThrows(IllegalArgumentException.class,
        () -> LedgerEvent.builder("gateway.other").id("e").occurredAt(Instant.EPOCH).build());
    LedgerEvent.builder("policyset.activate").id("e").occurredAt(Instant.EPOCH).build();
  }
}

package run.caracal.decision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.policy.input.Request;

class InputMaskerTest {
  private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");

  private static DecisionInput withBody(String json, String... headers) throws Exception {
    Value.Builder body = Value.newBuilder();
    JsonFormat.parser().merge(json, body);
    Request.Builder r = Request.newBuilder().setPhase("request").addScopes("pay").setBody(body);
    for (int i = 0; i < headers.length; i += 2) {
      r.putHeaders(headers[i], headers[i + 1]);
    }
    return new DecisionInput(null, null, null, null, r.build(), null, NOW);
  }

  @Test
  void record_sensitivePath_replacedByAStableFingerprintAndListed() throws Exception {
    InputMasker masker = new InputMasker(List.of("request.body.card.number", "request.body.items.*.secret"), new byte[32]);

    RecordedInput a = masker.record(withBody("{\"card\": {\"number\": \"4111111111111111\"}, \"amount\": 5,"
        + " \"items\": {\"x\": {\"secret\": \"s1\"}, \"y\": {\"secret\": \"s2\"}}}"));
    RecordedInput b = masker.record(withBody("{\"card\": {\"number\": \"4111111111111111\"}, \"amount\": 9}"));

    assertFalse(a.json().contains("4111111111111111"), a.json());
    assertFalse(a.json().contains("s1") || a.json().contains("s2"), a.json());
    assertEquals(List.of("request.body.card.number", "request.body.items.x.secret", "request.body.items.y.secret"), a.masked());
    String fp = a.tree().at("/request/body/card/number").asText();
    assertTrue(fp.startsWith("hmac:"), fp);
    assertEquals(fp, b.tree().at("/request/body/card/number").asText(), "equal values, equal fingerprints");
    assertEquals(5, a.tree().at("/request/body/amount").asInt(), "other values are kept");
  }

  @Test
  void record_credentialHeaders_alwaysMasked() throws Exception {
    InputMasker masker = new InputMasker(List.of(), new byte[32]);

    RecordedInput r = masker.record(withBody("{}", "authorization", "Bearer eyJsecret", "x-caracal-resource", "resource://a",
        "accept", "text/plain"));

    assertFalse(r.json().contains("eyJsecret"), r.json());
    assertEquals(List.of("request.headers.authorization", "request.headers.x-caracal-resource"), r.masked());
    assertEquals("text/plain", r.tree().at("/request/headers/accept").asText());
  }

  @Test
  void record_otherKey_givesOtherFingerprints() throws Exception {
    byte[] other = new byte[32];
    other[0] = 1;
    DecisionInput input = withBody("{\"card\": {\"number\": \"4111\"}}");
    List<String> paths = List.of("request.body.card.number");

    assertNotEquals(new InputMasker(paths, new byte[32]).record(input).json(), new InputMasker(paths, other).record(input).json());
  }

  @Test
  void record_unmaskedInput_replaysToTheSameInput() throws Exception {
    DecisionInput input = withBody("{\"amount\": 5, \"tags\": [\"a\"]}", "accept", "x");

    assertEquals(input, new InputMasker(List.of(), new byte[32]).record(input).toDecisionInput());
  }

  @Test
  void masker_shortKey_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> new InputMasker(List.of(), new byte[8]));
  }
}

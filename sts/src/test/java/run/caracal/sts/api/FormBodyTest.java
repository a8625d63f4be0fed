package run.caracal.sts.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import run.caracal.sts.OAuthException;

class FormBodyTest {
  private static OAuthException refused(Runnable r) {
    return assertThrows(OAuthException.class, r::run);
  }

  @Test
  void parse_encodedValues_decodesPercentAndPlus() {
    FormBody form = FormBody.parse("grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange&scope=billing%3Aread+billing%3Acharge");
    assertEquals(Optional.of("urn:ietf:params:oauth:grant-type:token-exchange"), form.single("grant_type"));
    assertEquals(List.of("billing:read", "billing:charge"), form.scopes());
  }

  @Test
  void all_repeatedResource_keepsEveryValueInOrder() {
    FormBody form = FormBody.parse("resource=resource%3A%2F%2Fa&resource=resource%3A%2F%2Fb&resource=");
    assertEquals(List.of("resource://a", "resource://b"), form.all("resource"));
    assertEquals(List.of(), form.all("missing"));
  }

  @Test
  void single_repeatedParameter_refusedInvalidRequest() {
    FormBody form = FormBody.parse("subject_token=a&subject_token=b");
    OAuthException e = refused(() -> form.single("subject_token"));
    assertEquals("invalid_request", e.error());
    assertEquals("parameter_repeated", e.reason());
    assertEquals(400, e.status());
  }

  @Test
  void single_emptyOrMissing_isEmpty() {
    FormBody form = FormBody.parse("scope=&flag&&=x");
    assertEquals(Optional.empty(), form.single("scope"));
    assertEquals(Optional.empty(), form.single("flag"));
    assertEquals(Optional.empty(), form.single("absent"));
  }

  @Test
  void parse_nullOrBlank_isEmpty() {
    assertEquals(Optional.empty(), FormBody.parse(null).single("grant_type"));
    assertEquals(List.of(), FormBody.parse("  ").scopes());
  }

  @Test
  void scopes_extraWhitespace_ignored() {
    assertEquals(List.of("a", "b"), FormBody.parse("scope=+a+++b+").scopes());
    assertEquals(List.of("a", "b"), FormBody.parse("scope=a%09b").scopes());
  }

  @Test
  void scopes_onlyWhitespace_noScopes() {
    assertEquals(List.of(), FormBody.parse("scope=+++").scopes());
  }

  @Test
  void parse_badPercentEncoding_refusedMalformed() {
    OAuthException e = refused(() -> FormBody.parse("scope=%zz"));
    assertEquals("invalid_request", e.error());
    assertEquals("malformed_form", e.reason());
    assertEquals("malformed_form", refused(() -> FormBody.parse("scope=%4")).reason());
  }

  @Test
  void parse_tooLarge_refused() {
    OAuthException e = refused(() -> FormBody.parse("scope=" + "a".repeat(64 * 1024)));
    assertEquals("request_too_large", e.reason());
    assertTrue(FormBody.parse("scope=" + "a".repeat(1000)).single("scope").isPresent());
  }

  @Test
  void parseLong_number_parsedElseRefused() {
    assertEquals(300L, FormBody.parseLong("300"));
    OAuthException e = refused(() -> FormBody.parseLong("5m"));
    assertEquals("invalid_request", e.error());
    assertEquals("invalid_number", e.reason());
  }
}

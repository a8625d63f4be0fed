package run.caracal.gateway.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import run.caracal.gateway.GatewayException;

class UpstreamPathTest {
  private static final URI BASE = URI.create("http://127.0.0.1:8080/base");

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "http://u/base   | /v1/charges            | /base/v1/charges",
      "http://u/base/  | /v1/charges            | /base/v1/charges",
      "http://u        | /v1/charges            | /v1/charges",
      "http://u/       | /                      | /",
      "http://u/base   | /v1/charges?limit=5&x=a | /base/v1/charges?limit=5&x=a",
      "http://u/base   | /v1/a%20b              | /base/v1/a%20b",
      "http://u/base   | /v1/..data/x.y         | /base/v1/..data/x.y",
      "http://u/base   | /v1/x?next=../../etc   | /base/v1/x?next=../../etc"})
  void join_originFormTarget_appendsToBaseAndKeepsQuery(String upstream, String target, String expected) throws GatewayException {
    assertEquals(expected, UpstreamPath.join(URI.create(upstream), target));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/../etc/passwd", "/a/../../etc", "/a/..", "/a/./b", "/a/%2e%2e/b", "/a/%2E%2E/b", "/a/.%2e/b",
      "/a/%2e./b", "/a/%252e%252e/b", "/a/%252E%252E/b", "/a/%25%32%65%25%32%65/b", "/a\\..\\b", "/a/%5c..%5cb", "/a/%255c..",
      "/a/..\\b", "/a/%00/b", "/a/%0d%0aX-Injected:%20x", "/a/%7f", "/a/..;/b", "/a/.;x/b"})
  void join_dotSegmentsBackslashesOrControlCharacters_refusedAsTraversal(String target) {
    GatewayException e = assertThrows(GatewayException.class, () -> UpstreamPath.join(BASE, target), target);
    assertEquals(400, e.status(), target);
    assertEquals("path_traversal", e.reason(), target);
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://evil.example/x", "https://127.0.0.1/admin", "*", "", "evil.example:80", "v1/charges"})
  void join_nonOriginFormTarget_refusedAsInvalid(String target) {
    GatewayException e = assertThrows(GatewayException.class, () -> UpstreamPath.join(BASE, target), target);
    assertEquals(400, e.status(), target);
    assertEquals("invalid_target", e.reason(), target);
  }

  @Test
  void join_invalidPercentEncoding_refusedAsInvalid() {
    GatewayException e = assertThrows(GatewayException.class, () -> UpstreamPath.join(BASE, "/a/%zz"));
    assertEquals("invalid_target", e.reason());
  }

  @Test
  void join_doubleSlash_staysUnderTheBase() throws GatewayException {
    assertEquals("/base//evil.example/x", UpstreamPath.join(BASE, "//evil.example/x"));
  }

  @Test
  void decodedPath_decodesOnceWithoutQueryAndKeepsPlus() {
    assertEquals("/v1/a b/c+d", UpstreamPath.decodedPath("/v1/a%20b/c+d?x=1"));
    assertEquals("/v1/%2e", UpstreamPath.decodedPath("/v1/%252e"));
    assertEquals("/v1/%zz", UpstreamPath.decodedPath("/v1/%zz"));
  }
}

package run.caracal.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link StsClient}'s public one-session API against a stub STS: the calls it makes and its messages. */
final class StsClientTest {
  private HttpServer sts;
  private final List<String> calls = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    sts = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    sts.createContext("/", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      calls.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " " + body);
      switch (exchange.getRequestURI().getPath()) {
        case "/v1/sessions" -> answer(exchange, 201, "{\"session_id\":\"ses_1\",\"session_token\":\"tok.en.1\"}");
        case "/oauth2/token" -> {
          if (body.contains("scope=notes%3Aread")) {
            answer(exchange, 200, "{\"access_token\":\"at.1\",\"expires_in\":300}");
          } else {
            answer(exchange, 400, "{\"error\":\"invalid_scope\",\"reason\":\"denied_by_rule\","
                + "\"error_description\":\"no rule allows it\",\"request_id\":\"req_1\"}");
          }
        }
        default -> {
          exchange.sendResponseHeaders(204, -1);
          exchange.close();
        }
      }
    });
    sts.start();
  }

  @AfterEach
  void stop() {
    sts.stop(0);
  }

  @Test
  void openExchangeEnd_makeTheThreeCalls() {
    StsClient client = client("http://127.0.0.1:" + sts.getAddress().getPort());

    StsClient.OpenedSession session = client.openSession(600);
    String token = client.accessToken(session, "resource://notes", List.of("notes:read"));
    client.endSession(session);

    assertEquals(new StsClient.OpenedSession("ses_1", "tok.en.1"), session);
    assertEquals("at.1", token);
    assertEquals("POST /v1/sessions {\"ttl_seconds\":600}", calls.get(0));
    assertTrue(calls.get(1).startsWith("POST /oauth2/token grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Atoken-exchange"
        + "&subject_token=tok.en.1&"), calls.get(1));
    assertEquals("DELETE /v1/sessions/ses_1 ", calls.get(2));
  }

  @Test
  void accessToken_refused_throwsWithReasonAndRequestId() {
    StsClient client = client("http://127.0.0.1:" + sts.getAddress().getPort());
    StsClient.OpenedSession session = client.openSession(60);

    StsException e = assertThrows(StsException.class, () -> client.accessToken(session, "resource://notes", List.of("notes:write")));

    assertEquals("cannot get a token for `resource://notes`: invalid_scope (denied_by_rule) no rule allows it "
        + "[caracal explain req_1]", e.getMessage());
    assertEquals("denied_by_rule", e.reason());
    assertEquals("req_1", e.requestId());
  }

  @Test
  void openSession_nothingListening_namesTheUrlWithoutJavaTypeNames() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    StsClient client = client("http://127.0.0.1:" + port);

    CaracalException e = assertThrows(CaracalException.class, () -> client.openSession(60));

    assertTrue(e.getMessage().startsWith("cannot open a session: the STS at http://127.0.0.1:" + port + " is unreachable ("),
        e.getMessage());
    assertTrue(!e.getMessage().contains("java."), e.getMessage());
    assertEquals("sts_unreachable", e.reason());
  }

  @Test
  void openedSession_toString_hidesTheToken() {
    assertEquals("OpenedSession[id=ses_1, token=***]", new StsClient.OpenedSession("ses_1", "tok.en.1").toString());
  }

  private static StsClient client(String url) {
    return StsClient.of(new Profile(url, "", "", "app_1", "s3cret", 600, List.of(), "test"), Duration.ofSeconds(5));
  }

  private static void answer(HttpExchange exchange, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
    exchange.close();
  }
}

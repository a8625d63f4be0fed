package run.caracal.gateway.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpResponseEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.gateway.GatewayFixture;
import run.caracal.gateway.net.UpstreamTls;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerConfig;

/**
 * The Gateway's connection handler on an {@link EmbeddedChannel}: raw bytes in, raw response
 * out, no sockets. Each refusal answers with the JSON shape and headers clients rely on, and
 * leaves its decision record.
 */
class ClientHandlerTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path keys;
  private final GatewayFixture f = new GatewayFixture();
  private Ledger ledger;

  @AfterEach
  void close() {
    if (ledger != null) {
      ledger.close();
    }
  }

  private EmbeddedChannel channel() {
    ledger = Ledger.open(LedgerConfig.dataSource(f.dataSource, keys));
    GatewaySettings settings = GatewaySettings.DEFAULTS;
    return new EmbeddedChannel(new StrictRequestDecoder(settings.maxInitialLine(), settings.maxHeaderBytes(), settings.maxChunk()),
        new HttpResponseEncoder(),
        new ClientHandler(f.authorizer, Runnable::run, settings, new ResultRecorder(ledger, f.authorizer.metrics()),
            UpstreamTls.create(Optional.empty())));
  }

  /** What the channel wrote back, as text, after running its pending tasks. */
  private static String response(EmbeddedChannel ch) {
    return responses(ch, 1);
  }

  /** What the channel wrote back until {@code n} response heads are complete. */
  private static String responses(EmbeddedChannel ch, int n) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < 200 && out.toString().split("\r\n\r\n", -1).length - 1 < n; i++) {
      ch.runPendingTasks();
      Object o;
      while ((o = ch.readOutbound()) != null) {
        ByteBuf b = (ByteBuf) o;
        out.append(b.toString(StandardCharsets.UTF_8));
        b.release();
      }
    }
    return out.toString();
  }

  private static JsonNode body(String response) throws Exception {
    return JSON.readTree(response.substring(response.indexOf("\r\n\r\n") + 4));
  }

  private static ByteBuf raw(String request) {
    return Unpooled.copiedBuffer(request, StandardCharsets.UTF_8);
  }

  @Test
  void ambiguousFraming_400AndTheConnectionCloses() throws Exception {
    EmbeddedChannel ch = channel();

    ch.writeInbound(raw("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    String r = response(ch);

    assertTrue(r.startsWith("HTTP/1.1 400"), r);
    assertEquals("ambiguous_framing", body(r).path("reason").asText());
    ch.runPendingTasks();
    assertFalse(ch.isOpen(), "a smuggling attempt ends the connection");
  }

  @Test
  void refusedRequestsWithoutBody_keepTheConnection_pipelinedOnesAnsweredInOrder() throws Exception {
    EmbeddedChannel ch = channel();
    String noToken = "GET /items HTTP/1.1\r\nHost: a\r\nX-Caracal-Resource: resource://api\r\n\r\n";
    String unknown = "GET /items HTTP/1.1\r\nHost: a\r\nX-Caracal-Resource: resource://nope\r\nAuthorization: Bearer "
        + f.token(GatewayFixture.API, "read") + "\r\n\r\n";

    ch.writeInbound(raw(noToken + unknown));
    String both = responses(ch, 2);

    String[] answers = both.split("(?=HTTP/1.1 )");
    assertEquals(2, answers.length, both);
    assertTrue(answers[0].startsWith("HTTP/1.1 401"), both);
    assertTrue(answers[1].startsWith("HTTP/1.1 404"), both);
    assertFalse(both.toLowerCase().contains("connection: close"), both);
    assertTrue(ch.isOpen(), "a refusal of a request without a body keeps the connection");

    ch.writeInbound(raw(noToken));
    assertTrue(response(ch).startsWith("HTTP/1.1 401"), "the same connection serves the next request");
  }

  @Test
  void refusedRequestWithAnUnreadBody_closesTheConnection() throws Exception {
    EmbeddedChannel ch = channel();

    // a chunked body (no length known up front) is not read before the decision
    ch.writeInbound(raw("POST /items HTTP/1.1\r\nHost: a\r\nX-Caracal-Resource: resource://api\r\nTransfer-Encoding: chunked\r\n\r\n"
        + "5\r\nhello\r\n"));
    String r = response(ch);

    assertTrue(r.startsWith("HTTP/1.1 401"), r);
    assertTrue(r.toLowerCase().contains("connection: close"), r);
    ch.runPendingTasks();
    assertFalse(ch.isOpen(), "the body was not read: the connection cannot be reused");
  }

  @Test
  void refusedRequestWithASmallBody_wasReadWhole_soTheConnectionServesTheNextRequest() throws Exception {
    EmbeddedChannel ch = channel();

    ch.writeInbound(raw("POST /items HTTP/1.1\r\nHost: a\r\nX-Caracal-Resource: resource://api\r\nContent-Length: 5\r\n\r\nhello"
        + "GET /items HTTP/1.1\r\nHost: a\r\nX-Caracal-Resource: resource://api\r\n\r\n"));
    String r = responses(ch, 2);

    assertTrue(r.startsWith("HTTP/1.1 401"), r);
    assertFalse(r.toLowerCase().contains("connection: close"), r);
    assertEquals(2, r.split("HTTP/1.1 401", -1).length - 1, "both requests answered: " + r);
    assertTrue(ch.isOpen());
  }

  @Test
  void noToken_401WithReasonRequestIdAndItsRecord() throws Exception {
    EmbeddedChannel ch = channel();

    ch.writeInbound(raw("GET /items HTTP/1.1\r\nHost: a\r\nX-Caracal-Resource: resource://api\r\n\r\n"));
    String r = response(ch);

    assertTrue(r.startsWith("HTTP/1.1 401"), r);
    JsonNode b = body(r);
    assertEquals("token_missing", b.path("reason").asText());
    String id = b.path("request_id").asText();
    assertTrue(r.toLowerCase().contains("x-caracal-request-id: " + id), r);
    assertEquals(id, f.log.last().requestId(), "the refusal is recorded under the id the client was given");
    assertEquals("token_missing", f.log.last().reason());
  }

  @Test
  void policyDenies_403NamingTheReasonAndNothingForwarded() throws Exception {
    EmbeddedChannel ch = channel();

    ch.writeInbound(raw("DELETE /items/1 HTTP/1.1\r\nHost: a\r\nX-Caracal-Resource: resource://api\r\nAuthorization: Bearer "
        + f.token(GatewayFixture.API, "write") + "\r\n\r\n"));
    String r = response(ch);

    assertTrue(r.startsWith("HTTP/1.1 403"), r);
    assertEquals("no_matching_rule", body(r).path("reason").asText());
    assertNotNull(f.log.last().decision().orElse(null), "the engine decided");
  }

  @Test
  void ledgerCannotRecord_503LedgerUnavailable() throws Exception {
    EmbeddedChannel ch = channel();
    f.log.failing(true);

    ch.writeInbound(raw("GET /items HTTP/1.1\r\nHost: a\r\nX-Caracal-Resource: resource://api\r\nAuthorization: Bearer "
        + f.token(GatewayFixture.API, "read") + "\r\n\r\n"));
    String r = response(ch);

    assertTrue(r.startsWith("HTTP/1.1 503"), r);
    assertEquals("ledger_unavailable", body(r).path("reason").asText());
  }
}

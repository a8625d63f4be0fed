package run.caracal.gateway.proxy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import run.caracal.control.db.Json;
import run.caracal.decision.Reason;
import run.caracal.gateway.GatewayException;
import run.caracal.gateway.authz.GatewayAuthorizer;
import run.caracal.gateway.mcp.McpRoute;

/**
 * The Gateway's own endpoints, `GET /.caracal/health`, `/.caracal/ready` (503 while the database
 * cannot be reached) and `/.caracal/metrics` (Prometheus text), for requests without a resource
 * header; `GET /.caracal/approvals/{id}`, where an agent asks, with its own bearer token, about
 * the approval its held request waits for; and RFC 9728 protected-resource metadata for each MCP
 * resource (`/.well-known/oauth-protected-resource/mcp/{name}`). Each answer closes the connection.
 */
final class OwnEndpoints {
  static final String APPROVALS = "/.caracal/approvals/";

  private OwnEndpoints() {}

  static boolean matches(HttpRequest request) {
    return request.method().name().equals("GET") && !request.headers().contains("X-Caracal-Resource")
        && (request.uri().equals("/.caracal/health") || request.uri().equals("/.caracal/ready")
            || request.uri().equals("/.caracal/metrics") || McpRoute.metadataFor(request.uri()).isPresent()
            || approvalId(request.uri()).isPresent());
  }

  /** The id in `/.caracal/approvals/{id}` (any query ignored). */
  static Optional<String> approvalId(String uri) {
    if (!uri.startsWith(APPROVALS)) {
      return Optional.empty();
    }
    String id = uri.substring(APPROVALS.length()).split("[?#]", 2)[0];
    return id.isEmpty() || id.contains("/") ? Optional.empty() : Optional.of(id);
  }

  /**
   * Reads what the endpoint reports on {@code blocking} (readiness asks the database) and hands
   * the answer to {@code write} on {@code eventLoop}.
   */
  static void answer(HttpRequest request, String requestId, GatewayAuthorizer authorizer, Executor blocking, Executor eventLoop,
      Consumer<FullHttpResponse> write) {
    Optional<String> approval = approvalId(request.uri());
    if (approval.isPresent()) {
      String authorization = request.headers().get(HttpHeaderNames.AUTHORIZATION);
      blocking.execute(() -> {
        FullHttpResponse r;
        try {
          Map<String, Object> status = authorizer.approvalStatus(authorization, approval.get());
          byte[] body = Json.write(status).getBytes(StandardCharsets.UTF_8);
          r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
          r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
              .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
              .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
              .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
          if ("pending".equals(status.get("state"))) {
            r.headers().set(HttpHeaderNames.RETRY_AFTER, GatewayAuthorizer.APPROVAL_POLL_SECONDS);
          }
        } catch (GatewayException e) {
          r = Responses.error(e, requestId, true);
        } catch (RuntimeException e) {
          r = Responses.error(GatewayException.of(Reason.GATEWAY_UNAVAILABLE, "the gateway could not read the approval"), requestId,
              true);
        }
        FullHttpResponse answer = r;
        eventLoop.execute(() -> write.accept(answer));
      });
      return;
    }
    boolean readiness = request.uri().startsWith("/.caracal/ready");
    boolean metrics = request.uri().equals("/.caracal/metrics");
    Optional<String> mcpResource = McpRoute.metadataFor(request.uri());
    if (mcpResource.isPresent()) {
      Map<String, String> headers = ForwardedRequest.headerMap(request.headers());
      byte[] body = Json.write(authorizer.protectedResourceMetadata(mcpResource.get(), headers)).getBytes(StandardCharsets.UTF_8);
      FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, Unpooled.wrappedBuffer(body));
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
          .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
          .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      write.accept(r);
      return;
    }
    blocking.execute(() -> {
      boolean ok = !readiness || authorizer.ready();
      byte[] body = (metrics ? authorizer.metrics().scrape()
          : "{\"status\":\"" + (ok ? "ok" : "not ready: database unreachable") + "\"}").getBytes(StandardCharsets.UTF_8);
      eventLoop.execute(() -> {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
            ok ? HttpResponseStatus.OK : HttpResponseStatus.SERVICE_UNAVAILABLE, Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, metrics ? "text/plain; version=0.0.4; charset=utf-8" : "application/json")
            .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
            .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        write.accept(r);
      });
    });
  }
}

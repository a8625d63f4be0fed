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
import run.caracal.gateway.authz.GatewayAuthorizer;
import run.caracal.gateway.mcp.McpRoute;

/**
 * The Gateway's own endpoints, `GET /.caracal/health`, `/.caracal/ready` (503 while the database
 * cannot be reached) and `/.caracal/metrics` (Prometheus text), for requests without a resource
 * header, and RFC 9728 protected-resource metadata for each MCP resource
 * (`/.well-known/oauth-protected-resource/mcp/{name}`). Each answer closes the connection.
 */
final class OwnEndpoints {
  private OwnEndpoints() {}

  static boolean matches(HttpRequest request) {
    return request.method().name().equals("GET") && !request.headers().contains("X-Caracal-Resource")
        && (request.uri().equals("/.caracal/health") || request.uri().equals("/.caracal/ready")
            || request.uri().equals("/.caracal/metrics") || McpRoute.metadataFor(request.uri()).isPresent());
  }

  /**
   * Reads what the endpoint reports on {@code blocking} (readiness asks the database) and hands
   * the answer to {@code write} on {@code eventLoop}.
   */
  static void answer(HttpRequest request, GatewayAuthorizer authorizer, Executor blocking, Executor eventLoop,
      Consumer<FullHttpResponse> write) {
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

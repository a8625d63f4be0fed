package run.caracal.gateway.proxy;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import run.caracal.control.db.Json;
import run.caracal.gateway.GatewayException;

/** The Gateway's own responses: JSON `{error, reason, message, request_id}`, connection closed. */
final class Responses {
  static final String REQUEST_ID = "X-Caracal-Request-Id";

  private Responses() {}

  /** The JSON refusal; with {@code close} it says `Connection: close` (the Gateway then closes). */
  static FullHttpResponse error(GatewayException e, String requestId, boolean close) {
    Map<String, Object> body = new LinkedHashMap<>();
    int status = e.status();
    if (e.jsonRpc().isPresent()) {
      GatewayException.JsonRpc rpc = e.jsonRpc().get();
      Map<String, Object> data = new LinkedHashMap<>();
      data.put("error", e.error());
      data.put("reason", e.reason());
      data.put("request_id", requestId);
      e.approvalId().ifPresent(id -> data.put("approval_id", id));
      Map<String, Object> error = new LinkedHashMap<>();
      error.put("code", rpc.code());
      error.put("message", e.getMessage());
      error.put("data", data);
      body.put("jsonrpc", "2.0");
      body.put("id", rpc.id() == null ? null : Json.read(rpc.id(), Object.class));
      body.put("error", error);
      status = rpc.httpStatus();
    } else {
      body.put("error", e.error());
      body.put("reason", e.reason());
      body.put("message", e.getMessage());
      body.put("request_id", requestId);
      e.approvalId().ifPresent(id -> body.put("approval_id", id));
    }
    byte[] bytes = Json.write(body).getBytes(StandardCharsets.UTF_8);
    FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
        Unpooled.wrappedBuffer(bytes));
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
    r.headers().set(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
    if (close) {
      r.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
    r.headers().set(HttpHeaderNames.CACHE_CONTROL, "no-store");
    if (requestId != null) {
      r.headers().set(REQUEST_ID, requestId);
    }
    if (e.status() == 429 || e.approvalId().isPresent()) {
      r.headers().set(HttpHeaderNames.RETRY_AFTER, e.retryAfterSeconds());
    }
    if (e.challenge().isPresent()) {
      r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, e.challenge().get());
    } else if (e.status() == 401) {
      r.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"caracal\", error=\"invalid_token\"");
    }
    return r;
  }
}

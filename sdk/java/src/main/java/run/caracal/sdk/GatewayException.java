package run.caracal.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The Gateway refused a request (bad token, revoked session, policy denial, unknown resource,
 * upstream failure); {@link #reason()} and {@link #requestId()} come from its JSON error body.
 */
public class GatewayException extends CaracalException {
  public GatewayException(String message, String reason, String requestId, int status, String error) {
    super(message, reason, requestId, status, error, null);
  }

  static GatewayException fromBody(int status, JsonNode body, String requestId) {
    String error = Json.text(body, "error");
    if (error == null) error = "http_" + status;
    String reason = Json.text(body, "reason");
    String rid = Json.text(body, "request_id");
    if (rid == null) rid = requestId;
    return new GatewayException(describe("gateway refused the request (http " + status + ")", error, reason,
        Json.text(body, "message"), rid), reason, rid, status, error);
  }

  /**
   * The error a response stands for: a {@code GatewayException} when the Gateway itself refused,
   * a plain {@link CaracalException} for any other status ≥ 400, empty below 400. Reads the body
   * when it is a {@code String} or {@code byte[]}.
   */
  public static Optional<CaracalException> fromResponse(HttpResponse<?> response) {
    int status = response.statusCode();
    if (status < 400) {
      return Optional.empty();
    }
    String requestId = response.headers().firstValue("x-caracal-request-id").orElse(null);
    Object raw = response.body();
    String text = raw instanceof String s ? s : raw instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : null;
    JsonNode body = text == null ? null : Json.parseObject(text);
    if (body != null && body.has("reason") && body.has("error")
        && (requestId == null || requestId.equals(Json.text(body, "request_id")))) {
      return Optional.of(fromBody(status, body, requestId));
    }
    String suffix = requestId != null ? " [caracal explain " + requestId + "]" : "";
    return Optional.of(new CaracalException(response.request().method() + " " + response.uri() + " failed with http " + status + suffix,
        null, requestId, status, "http_" + status, null));
  }
}

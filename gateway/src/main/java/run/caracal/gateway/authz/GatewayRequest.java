package run.caracal.gateway.authz;

import java.util.Map;
import java.util.Optional;

/**
 * What the Gateway decides on: method, request target, headers (lower-case names, first value),
 * the client address, the request and trace ids it assigned, and the body when the resource asks
 * for body inspection.
 */
public record GatewayRequest(
    String method, String target, Map<String, String> headers, String clientIp, String requestId, String traceId,
    Optional<byte[]> body) {
  public GatewayRequest {
    headers = Map.copyOf(headers);
  }

  public GatewayRequest withBody(byte[] value) {
    return new GatewayRequest(method, target, headers, clientIp, requestId, traceId, Optional.of(value));
  }
}

package run.caracal.gateway.authz;

import java.util.Map;

/**
 * What the Gateway decides on: method, request target, headers (lower-case names, first value),
 * the client address, and the request and trace ids it assigned.
 */
public record GatewayRequest(
    String method, String target, Map<String, String> headers, String clientIp, String requestId, String traceId) {
  public GatewayRequest {
    headers = Map.copyOf(headers);
  }
}

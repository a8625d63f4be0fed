package run.caracal.sts;

/** Per-request facts every event carries: request id, W3C trace id, client address. */
public record RequestContext(String requestId, String traceId, String clientIp) {}

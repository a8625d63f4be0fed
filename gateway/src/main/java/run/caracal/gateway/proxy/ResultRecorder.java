package run.caracal.gateway.proxy;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.caracal.control.db.Json;
import run.caracal.control.metrics.CaracalMetrics;
import run.caracal.gateway.authz.Authorized;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.event.Decision;
import run.caracal.ledger.event.Fingerprint;

/** Writes the `gateway.result` event after a forwarded exchange (asynchronously, never blocking I/O). */
final class ResultRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(ResultRecorder.class);
  private final Ledger ledger;
  private final CaracalMetrics metrics;

  ResultRecorder(Ledger ledger, CaracalMetrics metrics) {
    this.ledger = ledger;
    this.metrics = metrics;
  }

  void record(String requestId, String traceId, Authorized a, int status, int upstreamStatus, long bytesIn, long bytesOut,
      long latencyMicros, String outcome) {
    record(requestId, traceId, a, status, upstreamStatus, bytesIn, bytesOut, latencyMicros, outcome, List.of());
  }

  /** @param hidden what an MCP list answer hid from the caller (tool or prompt names, resource URIs) */
  void record(String requestId, String traceId, Authorized a, int status, int upstreamStatus, long bytesIn, long bytesOut,
      long latencyMicros, String outcome, List<String> hidden) {
    metrics.gatewayRequest(Duration.ofNanos(latencyMicros * 1000), status);
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("outcome", outcome);
    details.put("status", status);
    details.put("upstream_status", upstreamStatus);
    details.put("bytes_in", bytesIn);
    details.put("bytes_out", bytesOut);
    details.put("latency_ms", latencyMicros / 1000.0);
    if (a.listFilter().isPresent()) {
      details.put("hidden", hidden);
    }
    details.put("upstream", a.upstream().getScheme() + "://" + a.upstream().getHost() + (a.upstream().getPort() > 0 ? ":" + a.upstream().getPort() : ""));
    try {
      ledger.append(ledger.newEvent("gateway.result").requestId(requestId).traceId(traceId).zone(a.zoneId()).app(a.appId())
          .actor(a.appId()).sessionId(a.sessionId()).token(Fingerprint.of(a.jti())).resource(a.resourceId())
          .decision(Decision.NONE).explanation(Json.write(details)).build())
          .whenComplete((ok, e) -> {
            if (e != null) {
              LOG.warn("gateway result not recorded request_id={} error={}", requestId, e.getMessage());
            }
          });
    } catch (RuntimeException e) {
      LOG.warn("gateway result not recorded request_id={} error={}", requestId, e.getMessage());
    }
  }
}

package run.caracal.control.metrics;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class CaracalMetricsTest {
  @Test
  void metersAreKeptAndCountEveryCall() {
    CaracalMetrics metrics = new CaracalMetrics();
    metrics.decision("gateway", true, "allowed");
    metrics.decision("gateway", true, "allowed");
    metrics.decision("gateway", false, "policy_denied");
    metrics.tokenIssued("zone_a");
    metrics.tokenIssued("zone_a");
    metrics.gatewayRequest(Duration.ofMillis(3), 200);
    metrics.gatewayRequest(Duration.ofMillis(4), 503);
    metrics.gatewayRequest(Duration.ofMillis(5), 999);
    metrics.ledgerAppended(Duration.ofMillis(1));

    String scrape = metrics.scrape();

    assertTrue(scrape.contains("caracal_decisions_total{component=\"gateway\",reason=\"allowed\",result=\"allow\"} 2.0"), scrape);
    assertTrue(scrape.contains("caracal_decisions_total{component=\"gateway\",reason=\"policy_denied\",result=\"deny\"} 1.0"), scrape);
    assertTrue(scrape.contains("caracal_tokens_issued_total{zone=\"zone_a\"} 2.0"), scrape);
    assertTrue(scrape.contains("caracal_gateway_requests_seconds_count{status=\"2xx\"} 1"), scrape);
    assertTrue(scrape.contains("caracal_gateway_requests_seconds_count{status=\"5xx\"} 1"), scrape);
    assertTrue(scrape.contains("caracal_gateway_requests_seconds_count{status=\"9xx\"} 1"), scrape);
    assertTrue(scrape.contains("caracal_ledger_append_seconds_count 1"), scrape);
  }
}

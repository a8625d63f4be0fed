package run.caracal.control.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;
import run.caracal.ledger.Ledger;

/**
 * The process's Prometheus metrics: decisions by component, result and reason; tokens issued;
 * Gateway latency by status class; ledger queue depth and durable-append latency. Thread-safe.
 */
public final class CaracalMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  public void decision(String component, boolean allowed, String reason) {
    Counter.builder("caracal.decisions").description("policy decisions")
        .tag("component", component).tag("result", allowed ? "allow" : "deny").tag("reason", reason)
        .register(registry).increment();
  }

  public void tokenIssued(String zoneId) {
    Counter.builder("caracal.tokens.issued").description("resource tokens issued").tag("zone", zoneId)
        .register(registry).increment();
  }

  public void gatewayRequest(Duration latency, int status) {
    Timer.builder("caracal.gateway.requests").description("gateway request latency, decision to last byte")
        .tag("status", (status / 100) + "xx").publishPercentileHistogram().register(registry).record(latency);
  }

  /** Runs a durable ledger append (or anything) and records how long it took. */
  public <T> T timeLedgerAppend(Supplier<T> append) {
    return ledgerAppendTimer().record(append);
  }

  /** Records how long an append that completed asynchronously took to become durable. */
  public void ledgerAppended(Duration took) {
    ledgerAppendTimer().record(took);
  }

  private Timer ledgerAppendTimer() {
    return Timer.builder("caracal.ledger.append").description("time until an appended event is durable")
        .publishPercentileHistogram().register(registry);
  }

  public void bindLedger(Ledger ledger) {
    Gauge.builder("caracal.ledger.queue.depth", ledger, Ledger::queueDepth).description("events waiting to be committed")
        .register(registry);
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }
}

package run.caracal.control.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import run.caracal.ledger.Ledger;

/**
 * The process's Prometheus metrics: decisions by component, result and reason; tokens issued;
 * Gateway latency by status class; ledger queue depth and durable-append latency. Thread-safe.
 */
public final class CaracalMetrics {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  // meters are registered on first use and kept: the hot paths only look them up
  private final Map<String, Counter> decisions = new ConcurrentHashMap<>();
  private final Map<String, Counter> tokens = new ConcurrentHashMap<>();
  private final Timer[] gatewayByClass = new Timer[6];
  private final Timer ledgerAppend = Timer.builder("caracal.ledger.append").description("time until an appended event is durable")
      .publishPercentileHistogram().register(registry);

  public CaracalMetrics() {
    for (int c = 1; c < gatewayByClass.length; c++) {
      gatewayByClass[c] = gatewayTimer(c + "xx");
    }
  }

  public void decision(String component, boolean allowed, String reason) {
    String result = allowed ? "allow" : "deny";
    decisions.computeIfAbsent(component + '\n' + result + '\n' + reason, k -> Counter.builder("caracal.decisions")
        .description("policy decisions").tag("component", component).tag("result", result).tag("reason", reason)
        .register(registry)).increment();
  }

  public void tokenIssued(String zoneId) {
    tokens.computeIfAbsent(zoneId, z -> Counter.builder("caracal.tokens.issued").description("resource tokens issued")
        .tag("zone", z).register(registry)).increment();
  }

  public void gatewayRequest(Duration latency, int status) {
    int c = status / 100;
    (c >= 1 && c < gatewayByClass.length ? gatewayByClass[c] : gatewayTimer(c + "xx")).record(latency);
  }

  private Timer gatewayTimer(String statusClass) {
    return Timer.builder("caracal.gateway.requests").description("gateway request latency, decision to last byte")
        .tag("status", statusClass).publishPercentileHistogram().register(registry);
  }

  /** Runs a durable ledger append (or anything) and records how long it took. */
  public <T> T timeLedgerAppend(Supplier<T> append) {
    return ledgerAppend.record(append);
  }

  /** Records how long an append that completed asynchronously took to become durable. */
  public void ledgerAppended(Duration took) {
    ledgerAppend.record(took);
  }

  public void bindLedger(Ledger ledger) {
    Gauge.builder("caracal.ledger.journal.backlog", ledger, Ledger::journalBacklog)
        .description("events durable in the ledger journal and not yet in the database").register(registry);
    Gauge.builder("caracal.ledger.queue.depth", ledger, Ledger::queueDepth).description("events waiting to be committed")
        .register(registry);
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }
}

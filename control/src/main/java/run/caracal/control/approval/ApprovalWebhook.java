package run.caracal.control.approval;

import javax.crypto.spec.SecretKeySpec;
import javax.crypto.Mac;
import java.util.HexFormat;
import java.time.Instant;
import java.security.GeneralSecurityException;
import java.nio.charset.StandardCharsets;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.caracal.control.db.Json;

/**
 * Tells a zone's webhook of each new pending approval: one JSON POST
 * (`{"type": "approval.requested", "approval_id", "zone", "app", "resource", "summary", "rule",
 * "reason", "requested_at", "expires_at", "approve", "deny"}`) with what was asked (method, path,
 * scopes, MCP method and tool) and never a token, secret, body, argument or header. Delivered off
 * the request path on a small executor, signed with the zone's webhook secret
 * ({@value #SIGNATURE_HEADER}, see {@link #signature}); a connection error or a 5xx answer is retried after each
 * delay of {@link #BACKOFF} (six attempts in all), a 4xx is not. Retries live in memory only: a
 * restart forgets them. Every failure is logged with the approval id. Thread-safe.
 */
public final class ApprovalWebhook implements Consumer<Approval>, AutoCloseable {
  /** The delays before the second to the sixth attempt. */
  public static final List<Duration> BACKOFF = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4),
      Duration.ofSeconds(8), Duration.ofSeconds(16));
  private static final Logger LOG = LoggerFactory.getLogger(ApprovalWebhook.class);

  /** The header that signs a notice: {@code t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">}. */
  public static final String SIGNATURE_HEADER = "Caracal-Signature";

  /** Where a zone's notices go: its name, its webhook URL and the secret that signs them. */
  public record Target(String zoneName, URI url, String secret) {}

  private final Function<String, Optional<Target>> targets;
  private final List<Duration> backoff;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
      .followRedirects(HttpClient.Redirect.NEVER).build();
  private final ScheduledExecutorService executor;

  /**
   * @param targets a zone's webhook by zone id (empty: the zone has none), read when the approval
   *     is delivered, on the executor
   */
  public ApprovalWebhook(Function<String, Optional<Target>> targets, List<Duration> backoff) {
    this.targets = targets;
    this.backoff = List.copyOf(backoff);
    ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(2, r -> {
      Thread t = new Thread(r, "caracal-approval-webhook");
      t.setDaemon(true);
      return t;
    });
    pool.setRemoveOnCancelPolicy(true);
    this.executor = pool;
  }

  /** Schedules the notice of a new pending approval and returns at once. */
  @Override
  public void accept(Approval approval) {
    try {
      executor.execute(() -> start(approval));
    } catch (RejectedExecutionException e) {
      LOG.warn("approval webhook not sent: the server is stopping approval_id={}", approval.id());
    }
  }

  private void start(Approval approval) {
    Optional<Target> target;
    try {
      target = targets.apply(approval.zoneId());
    } catch (RuntimeException e) {
      LOG.error("approval webhook not sent: its zone could not be read approval_id={} error={}", approval.id(), e.getMessage());
      return;
    }
    target.ifPresent(t -> attempt(t, Json.write(payload(approval, t.zoneName())), approval.id(), 1));
  }

  private void attempt(Target target, String payload, String approvalId, int attempt) {
    String failure;
    try {
      HttpResponse<Void> r = http.send(HttpRequest.newBuilder(target.url()).timeout(Duration.ofSeconds(10))
          .header("Content-Type", "application/json").header("User-Agent", "caracal-approval-webhook")
          .header(SIGNATURE_HEADER, signature(target.secret(), Instant.now().getEpochSecond(), payload))
          .POST(HttpRequest.BodyPublishers.ofString(payload)).build(), HttpResponse.BodyHandlers.discarding());
      if (r.statusCode() < 300) {
        LOG.info("approval webhook delivered approval_id={} host={} status={} attempt={}", approvalId, target.url().getHost(),
            r.statusCode(), attempt);
        return;
      }
      if (r.statusCode() < 500) {
        LOG.error("approval webhook refused, not retried approval_id={} host={} status={} attempt={}", approvalId,
            target.url().getHost(), r.statusCode(), attempt);
        return;
      }
      failure = "status " + r.statusCode();
    } catch (IOException e) {
      failure = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (attempt > backoff.size()) {
      LOG.error("approval webhook failed, giving up approval_id={} host={} attempts={} error={}", approvalId, target.url().getHost(),
          attempt, failure);
      return;
    }
    Duration delay = backoff.get(attempt - 1);
    LOG.warn("approval webhook failed, retrying approval_id={} host={} attempt={} retry_in_ms={} error={}", approvalId,
        target.url().getHost(), attempt, delay.toMillis(), failure);
    try {
      executor.schedule(() -> attempt(target, payload, approvalId, attempt + 1), delay.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      LOG.warn("approval webhook retry dropped: the server is stopping approval_id={}", approvalId);
    }
  }

  /**
   * The signature of {@code payload} sent at {@code unixSeconds}: {@code t=<unixSeconds>,v1=<hex>},
   * the hex being HMAC-SHA256 with {@code secret} of {@code "<unixSeconds>.<payload>"} (a receiver
   * recomputes it and refuses old timestamps, so a notice can be neither forged nor replayed later).
   * Each attempt is signed anew.
   */
  public static String signature(String secret, long unixSeconds, String payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      byte[] sig = mac.doFinal((unixSeconds + "." + payload).getBytes(StandardCharsets.UTF_8));
      return "t=" + unixSeconds + ",v1=" + HexFormat.of().formatHex(sig);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("hmac-sha256 unavailable", e);
    }
  }

  /** The notice of one approval: what was asked and how to answer, never a secret. */
  static Map<String, Object> payload(Approval a, String zoneName) {
    Map<String, Object> summary = new LinkedHashMap<>();
    for (String field : List.of("method", "path", "scopes")) {
      if (a.summary().containsKey(field)) {
        summary.put(field, a.summary().get(field));
      }
    }
    if (a.summary().get("mcp") instanceof Map<?, ?> mcp) {
      for (String field : List.of("method", "tool", "prompt", "uri")) {
        if (mcp.get(field) instanceof String s && !s.isEmpty()) {
          summary.put(field.equals("method") ? "mcp_method" : field, s);
        }
      }
    }
    List<?> rules = a.summary().get("rules") instanceof List<?> l ? l : List.of();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("type", "approval.requested");
    out.put("approval_id", a.id());
    out.put("zone", zoneName);
    out.put("zone_id", a.zoneId());
    out.put("app", a.appId());
    out.put("resource", a.resource());
    out.put("summary", summary);
    out.put("rule", rules.isEmpty() ? null : String.valueOf(rules.get(0)));
    out.put("rules", rules);
    out.put("reason", "approval_required");
    out.put("approvers", a.groupsText());
    out.put("request_id", a.requestId());
    out.put("requested_at", a.requestedAt().toString());
    out.put("expires_at", a.expiresAt().toString());
    out.put("approve", "caracal approvals approve " + a.id());
    out.put("deny", "caracal approvals deny " + a.id());
    return out;
  }

  /** Stops delivering; notices not yet delivered are dropped. */
  @Override
  public void close() {
    executor.shutdownNow();
  }
}

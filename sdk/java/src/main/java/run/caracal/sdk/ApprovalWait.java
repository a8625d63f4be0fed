package run.caracal.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * How the {@link Transport} waits for a person's approval of a request the Gateway holds: reads
 * the hold from a 403, polls {@code GET {gateway}/.caracal/approvals/{id}} with the request's own
 * token until the approval is approved (or denied, expired, unknown, or the deadline passes).
 * Stateless.
 */
final class ApprovalWait {
  /** Polls never come more often than this, and this often when the Gateway does not say. */
  static final long MIN_POLL_MILLIS = 1000;
  static final long DEFAULT_POLL_MILLIS = 2000;

  private ApprovalWait() {}

  /** A request the Gateway holds for approval, or refuses because its approval was denied. */
  record Held(boolean denied, String approvalId, String requestId, long retryAfterMillis) {
    /** The hold a 403 answer stands for, if it is one. */
    static Optional<Held> of(HttpResponse<byte[]> response) {
      JsonNode body = Json.parseObject(new String(response.body(), StandardCharsets.UTF_8));
      String reason = body == null ? null : Json.text(body, "reason");
      String id = body == null ? null : Json.text(body, "approval_id");
      if (id == null || !("approval_required".equals(reason) || "approval_denied".equals(reason))) {
        return Optional.empty();
      }
      return Optional.of(new Held("approval_denied".equals(reason), id, Json.text(body, "request_id"), retryAfter(response)));
    }
  }

  /** The line `caracal run` shows for a held request. */
  static String hint(String approvalId) {
    return "caracal: request held for approval " + approvalId + " — approve with: caracal approvals approve " + approvalId;
  }

  /** A token renewal for the poll, or null when the token is the caller's own. */
  interface Renewal {
    void renew();
  }

  /**
   * Polls until the approval is approved (returns) or the deadline ({@link System#nanoTime()})
   * passes; renews the token once when the Gateway says it expired. A network failure, a 429 or a
   * 5xx is asked again later.
   *
   * @throws ApprovalException denied, expired, unknown to the Gateway, or not answered in time
   */
  static void await(HttpClient http, String gateway, Supplier<String> authorization, Renewal renewal, Held held, long deadline,
      Optional<Duration> timeout) {
    String id = held.approvalId();
    URI uri = URI.create(gateway + "/.caracal/approvals/" + URLEncoder.encode(id, StandardCharsets.UTF_8));
    long delay = pollDelay(held.retryAfterMillis());
    boolean renewed = false;
    while (true) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        throw new ApprovalTimeoutException(id, held.requestId());
      }
      StsClient.sleep(Math.min(delay, left));
      HttpRequest.Builder poll = HttpRequest.newBuilder(uri).GET();
      timeout.ifPresent(poll::timeout);
      String auth = authorization.get();
      if (auth != null) poll.header("Authorization", auth);
      HttpResponse<String> answer;
      try {
        answer = http.send(poll.build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        delay = DEFAULT_POLL_MILLIS;
        continue;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CaracalException("interrupted while waiting for approval " + id, "interrupted", null, 0, null, e);
      }
      JsonNode body = Json.parseObject(answer.body());
      String reason = body == null ? null : Json.text(body, "reason");
      if (answer.statusCode() == 200) {
        renewed = false;
        String state = body == null ? null : Json.text(body, "state");
        if ("approved".equals(state) || "used".equals(state)) { // used: an identical request took it; this one is held anew
          return;
        }
        if ("denied".equals(state)) throw new ApprovalDeniedException(id, held.requestId());
        if ("expired".equals(state)) throw new ApprovalExpiredException(id, held.requestId());
        delay = pollDelay(retryAfter(answer));
        continue;
      }
      if (answer.statusCode() == 401 && renewal != null && !renewed && "token_expired".equals(reason)) {
        renewed = true;
        renewal.renew();
        delay = 0;
        continue;
      }
      if (answer.statusCode() == 429 || answer.statusCode() >= 500) {
        delay = pollDelay(retryAfter(answer));
        continue;
      }
      String requestId = answer.headers().firstValue("x-caracal-request-id").orElse(null);
      if ("approval_unknown".equals(reason)) {
        throw new ApprovalException("the gateway does not know approval " + id + " for this token", id, "approval_unknown", requestId,
            404, "not_found");
      }
      throw GatewayException.fromResponse(answer).orElseGet(() -> new CaracalException("asking about approval " + id
          + " failed with http " + answer.statusCode(), null, requestId, answer.statusCode(), null, null));
    }
  }

  private static long pollDelay(long retryAfterMillis) {
    return Math.max(MIN_POLL_MILLIS, retryAfterMillis < 0 ? DEFAULT_POLL_MILLIS : retryAfterMillis);
  }

  /** Retry-After in milliseconds, -1 when absent or not a number of seconds. */
  private static long retryAfter(HttpResponse<?> response) {
    try {
      return response.headers().firstValue("retry-after").map(v -> (long) (Double.parseDouble(v.trim()) * 1000)).filter(v -> v >= 0)
          .orElse(-1L);
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}

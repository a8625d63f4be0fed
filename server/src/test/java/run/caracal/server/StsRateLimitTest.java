package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static run.caracal.server.TestStack.RESOURCE;
import static run.caracal.server.TestStack.assertRefused;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.AfterParameterizedClassInvocation;
import org.junit.jupiter.params.BeforeParameterizedClassInvocation;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;
import run.caracal.server.TestStack.App;
import run.caracal.server.TestStack.Zone;

/** Per-(zone, app) rate limits over HTTP: 429 with Retry-After, buckets per app, recovery. */
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {TestStack.H2, TestStack.POSTGRESQL})
class StsRateLimitTest {
  /** The server's knob for the sustained rate per app (the burst is twice that). */
  static final String RATE_PROPERTY = "caracal.rate-limit.per-app";

  static TestStack stack;

  @Parameter String database;

  @BeforeParameterizedClassInvocation
  static void start(String database) {
    String previous = System.getProperty(RATE_PROPERTY);
    System.setProperty(RATE_PROPERTY, "1");
    try {
      stack = TestStack.start(database);
    } finally {
      if (previous == null) {
        System.clearProperty(RATE_PROPERTY);
      } else {
        System.setProperty(RATE_PROPERTY, previous);
      }
    }
  }

  @AfterParameterizedClassInvocation
  static void stop() {
    if (stack != null) {
      stack.close();
      stack = null;
    }
  }

  @Test
  void hammer_tokenEndpoint_429WithRetryAfterThenRecovers() throws Exception {
    Zone zone = stack.billingZone("limit");
    App busy = stack.app(zone, "busy-agent");
    App quiet = stack.app(zone, "quiet-agent");

    TestClient.Response limited = null;
    for (int i = 0; i < 20 && limited == null; i++) {
      var r = stack.clientCredentials(busy, RESOURCE, "billing:read");
      if (r.status() == 429) {
        limited = r;
      } else {
        assertEquals(200, r.status(), r.raw().body());
      }
    }
    assertNotNull(limited, "no 429 after 20 quick requests at 1/s with a burst of 2");
    assertRefused(limited, 429, "slow_down", "rate_limited");
    long retryAfter = Long.parseLong(limited.raw().headers().firstValue("Retry-After").orElseThrow());
    assertTrue(retryAfter >= 1 && retryAfter <= 2, "Retry-After " + retryAfter);

    // other apps have buckets of their own
    assertEquals(201, stack.openSession(quiet, Map.of()).status());
    // the session endpoint is limited too
    TestClient.Response sessionLimited = null;
    for (int i = 0; i < 20 && sessionLimited == null; i++) {
      var r = stack.openSession(busy, Map.of());
      sessionLimited = r.status() == 429 ? r : null;
    }
    assertNotNull(sessionLimited, "no 429 from /v1/sessions");
    assertRefused(sessionLimited, 429, "slow_down", "rate_limited");
    retryAfter = Long.parseLong(sessionLimited.raw().headers().firstValue("Retry-After").orElseThrow());

    Thread.sleep(retryAfter * 1000 + 100);
    var recovered = stack.clientCredentials(busy, RESOURCE, "billing:read");
    assertEquals(200, recovered.status(), recovered.raw().body());
  }
}

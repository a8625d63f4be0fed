package run.caracal.control.limit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimiterTest {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  private void advance(Duration d) {
    nanos.addAndGet(d.toNanos());
  }

  @Test
  void tryAcquire_withinBurst_allowed() {
    RateLimiter limiter = new RateLimiter(2, 5, nanos::get);
    for (int i = 0; i < 5; i++) {
      assertEquals(Optional.empty(), limiter.tryAcquire("z/a"), "request " + i);
    }
  }

  @Test
  void tryAcquire_burstSpent_refusedWithTimeUntilNextToken() {
    RateLimiter limiter = new RateLimiter(2, 3, nanos::get);
    for (int i = 0; i < 3; i++) {
      limiter.tryAcquire("z/a");
    }
    Optional<Duration> wait = limiter.tryAcquire("z/a");
    assertTrue(wait.isPresent());
    assertAbout(Duration.ofMillis(500), wait.get());
    advance(Duration.ofMillis(200));
    assertAbout(Duration.ofMillis(300), limiter.tryAcquire("z/a").orElseThrow());
  }

  private static void assertAbout(Duration expected, Duration actual) {
    assertTrue(actual.minus(expected).abs().toNanos() <= 1_000, "expected about " + expected + " but was " + actual);
  }

  @Test
  void tryAcquire_afterRefill_allowedAtSustainedRate() {
    RateLimiter limiter = new RateLimiter(2, 1, nanos::get);
    assertTrue(limiter.tryAcquire("z/a").isEmpty());
    assertTrue(limiter.tryAcquire("z/a").isPresent());
    advance(Duration.ofMillis(500));
    assertTrue(limiter.tryAcquire("z/a").isEmpty());
    assertTrue(limiter.tryAcquire("z/a").isPresent());
  }

  @Test
  void tryAcquire_refusedRequests_doNotSpendTokens() {
    RateLimiter limiter = new RateLimiter(1, 1, nanos::get);
    limiter.tryAcquire("z/a");
    for (int i = 0; i < 10; i++) {
      assertTrue(limiter.tryAcquire("z/a").isPresent());
    }
    advance(Duration.ofSeconds(1));
    assertTrue(limiter.tryAcquire("z/a").isEmpty());
  }

  @Test
  void tryAcquire_longIdle_refillCappedAtBurst() {
    RateLimiter limiter = new RateLimiter(100, 3, nanos::get);
    limiter.tryAcquire("z/a");
    advance(Duration.ofHours(1));
    for (int i = 0; i < 3; i++) {
      assertTrue(limiter.tryAcquire("z/a").isEmpty());
    }
    assertTrue(limiter.tryAcquire("z/a").isPresent());
  }

  @Test
  void tryAcquire_separateKeys_haveSeparateBuckets() {
    RateLimiter limiter = new RateLimiter(1, 1, nanos::get);
    assertTrue(limiter.tryAcquire("z/a").isEmpty());
    assertTrue(limiter.tryAcquire("z/a").isPresent());
    assertTrue(limiter.tryAcquire("z/b").isEmpty());
    assertTrue(limiter.tryAcquire("y/a").isEmpty());
  }

  @Test
  void tryAcquire_concurrentCallers_neverExceedBurst() throws Exception {
    RateLimiter limiter = new RateLimiter(0.001, 100, nanos::get);
    AtomicLong allowed = new AtomicLong();
    Thread[] threads = new Thread[8];
    for (int t = 0; t < threads.length; t++) {
      threads[t] = new Thread(() -> {
        for (int i = 0; i < 50; i++) {
          if (limiter.tryAcquire("z/a").isEmpty()) {
            allowed.incrementAndGet();
          }
        }
      });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(100, allowed.get());
  }
}

package run.caracal.sdk;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Resource tokens of one session, keyed by (resource, scopes). A token is reused until a refresh
 * margin before it expires (a fifth of its lifetime, at most 30 s); a scheduled task refreshes it
 * then, so callers keep finding a valid token. One fetch per key at a time.
 */
final class TokenCache {
  /** Obtains a token from the STS. */
  interface Fetch {
    Issued fetch(String resource, List<String> scopes);
  }

  record Issued(String token, long lifetimeSeconds) {}

  record Key(String resource, List<String> scopes) {}

  private record Entry(String token, long refreshAtNanos, long expiresAtNanos) {}

  private static final long MAX_MARGIN_NANOS = TimeUnit.SECONDS.toNanos(30);
  /** Closer than this to expiry a token is not handed out; callers wait for a new one. */
  private static final long FLOOR_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
  private static final int KEPT_TOKENS = 256;

  private final Fetch fetch;
  private final ScheduledExecutorService scheduler;
  private final Executor executor;
  private final LongSupplier clock;
  private final Map<Key, Entry> entries = new ConcurrentHashMap<>();
  private final Map<Key, CompletableFuture<String>> inflight = new ConcurrentHashMap<>();
  private final Map<Key, ScheduledFuture<?>> timers = new ConcurrentHashMap<>();
  private final Map<String, Key> issued = new LinkedHashMap<>();
  private volatile boolean closed;

  TokenCache(Fetch fetch, ScheduledExecutorService scheduler, Executor executor, LongSupplier clock) {
    this.fetch = fetch;
    this.scheduler = scheduler;
    this.executor = executor;
    this.clock = clock;
  }

  /** A valid token, waiting for the STS when none is at hand; {@code stale} names one the Gateway refused as expired. */
  String get(String resource, List<String> scopes, String stale) {
    Key key = new Key(resource, List.copyOf(scopes));
    Entry entry = entries.get(key);
    long now = clock.getAsLong();
    if (entry != null && !entry.token.equals(stale) && now - entry.refreshAtNanos < 0) {
      return entry.token;
    }
    if (entry != null && !entry.token.equals(stale) && now - (entry.expiresAtNanos - FLOOR_NANOS) < 0) {
      start(key);
      return entry.token;
    }
    return await(start(key));
  }

  /** The (resource, scopes) a token of this cache was issued for, or null. */
  synchronized Key keyOf(String token) {
    return issued.get(token);
  }

  void close() {
    closed = true;
    timers.values().forEach(t -> t.cancel(false));
    timers.clear();
    entries.clear();
  }

  private synchronized CompletableFuture<String> start(Key key) {
    CompletableFuture<String> running = inflight.get(key);
    if (running != null) return running;
    long started = clock.getAsLong();
    CompletableFuture<String> future = new CompletableFuture<>();
    inflight.put(key, future);
    executor.execute(() -> {
      try {
        Issued got = fetch.fetch(key.resource(), key.scopes());
        long lifetime = TimeUnit.SECONDS.toNanos(Math.max(got.lifetimeSeconds(), 1));
        long margin = Math.min(MAX_MARGIN_NANOS, lifetime / 5);
        if (!closed) {
          entries.put(key, new Entry(got.token(), started + lifetime - margin, started + lifetime));
          remember(got.token(), key);
          schedule(key, lifetime - margin);
        }
        inflight.remove(key);
        future.complete(got.token());
      } catch (Throwable e) {
        inflight.remove(key);
        future.completeExceptionally(e);
      }
    });
    return future;
  }

  private synchronized void remember(String token, Key key) {
    issued.put(token, key);
    while (issued.size() > KEPT_TOKENS) {
      issued.remove(issued.keySet().iterator().next());
    }
  }

  private void schedule(Key key, long delayNanos) {
    ScheduledFuture<?> old = timers.remove(key);
    if (old != null) old.cancel(false);
    timers.put(key, scheduler.schedule(() -> {
      timers.remove(key);
      if (!closed) start(key);
    }, Math.max(0, delayNanos), TimeUnit.NANOSECONDS));
  }

  private static String await(CompletableFuture<String> future) {
    try {
      return future.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CaracalException("interrupted while waiting for a token", "interrupted", null, 0, null, e);
    } catch (ExecutionException | CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException r) throw r;
      if (cause instanceof Error err) throw err;
      throw new CaracalException(String.valueOf(cause), null, null, 0, null, cause);
    }
  }
}

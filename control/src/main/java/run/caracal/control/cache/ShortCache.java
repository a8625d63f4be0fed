package run.caracal.control.cache;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * A small read-through cache whose entries live a short, fixed time (one second by default), for
 * records that change rarely but are read on every request (apps, resource bindings). Changes
 * made by this process invalidate at once; changes made by other processes are seen within the
 * time to live. Never used for revocation state. Thread-safe, lock-free reads.
 */
public final class ShortCache<K, V> {
  private record Entry<V>(Optional<V> value, long expiresAt) {}

  private final long ttlNanos;
  private final int maxEntries;
  private final LongSupplier nanoTime;
  private final Map<K, Entry<V>> entries = new ConcurrentHashMap<>();

  public ShortCache(long ttlNanos, int maxEntries, LongSupplier nanoTime) {
    this.ttlNanos = ttlNanos;
    this.maxEntries = maxEntries;
    this.nanoTime = nanoTime;
  }

  public static <K, V> ShortCache<K, V> oneSecond() {
    return new ShortCache<>(1_000_000_000L, 10_000, System::nanoTime);
  }

  public Optional<V> get(K key, Function<K, Optional<V>> load) {
    long now = nanoTime.getAsLong();
    Entry<V> e = entries.get(key);
    if (e != null && now - e.expiresAt() < 0) {
      return e.value();
    }
    Optional<V> value = load.apply(key);
    if (entries.size() >= maxEntries) {
      entries.clear();
    }
    entries.put(key, new Entry<>(value, now + ttlNanos));
    return value;
  }

  public void invalidate(K key) {
    entries.remove(key);
  }

  public void invalidateAll() {
    entries.clear();
  }
}

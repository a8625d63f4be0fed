package run.caracal.ledger.writer;

import java.time.Duration;
import java.util.Objects;

/**
 * Tuning of the group-commit writer.
 *
 * @param queueCapacity events that may wait for the writer; beyond that, appends are refused
 * @param maxBatch most events written in one transaction
 * @param enqueueTimeout how long a caller blocks on a full queue before its future fails with
 *     {@code ledger_overloaded} (zero: fail at once)
 * @param checkpointEvery write a checkpoint once this many events are past the last one
 * @param checkpointInterval ... or once this much time has passed and at least one event is
 */
public record WriterSettings(int queueCapacity, int maxBatch, Duration enqueueTimeout,
    long checkpointEvery, Duration checkpointInterval) {

  /**
   * 16,384 queued, batches of up to 1,024, no waiting on a full queue (an overloaded ledger is
   * answered at once rather than by callers piling up), checkpoint per 10,000 / 60 s.
   */
  public static final WriterSettings DEFAULTS =
      new WriterSettings(16_384, 1_024, Duration.ZERO, 10_000, Duration.ofSeconds(60));

  public WriterSettings {
    if (queueCapacity < 1 || maxBatch < 1 || checkpointEvery < 1) {
      throw new IllegalArgumentException("invalid_settings: sizes must be positive");
    }
    Objects.requireNonNull(enqueueTimeout, "enqueueTimeout");
    Objects.requireNonNull(checkpointInterval, "checkpointInterval");
    if (enqueueTimeout.isNegative() || checkpointInterval.isNegative()
        || checkpointInterval.isZero()) {
      throw new IllegalArgumentException("invalid_settings: durations must be positive");
    }
  }

  public WriterSettings withCheckpoints(long every, Duration interval) {
    return new WriterSettings(queueCapacity, maxBatch, enqueueTimeout, every, interval);
  }

  public WriterSettings withQueue(int capacity, Duration timeout) {
    return new WriterSettings(capacity, maxBatch, timeout, checkpointEvery, checkpointInterval);
  }

  public WriterSettings withMaxBatch(int max) {
    return new WriterSettings(queueCapacity, max, enqueueTimeout, checkpointEvery,
        checkpointInterval);
  }
}

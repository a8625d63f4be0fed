package run.caracal.cli.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

class ParallelReplayTest {
  private static final int EVENTS = 20_000;

  @Test
  void run_workersFinishOutOfOrder_resultsComeInTheEventsOrder() throws Exception {
    List<Integer> results = new ArrayList<>();

    new ParallelReplay(3).<Integer, Integer>run(sink -> {
      for (int i = 0; i < EVENTS; i++) {
        sink.accept(i);
      }
    }, i -> {
      if (ThreadLocalRandom.current().nextInt(500) == 0) {
        LockSupport.parkNanos(1_000_000);
      }
      return i * 2;
    }, results::add);

    assertEquals(EVENTS, results.size());
    for (int i = 0; i < EVENTS; i++) {
      assertEquals(i * 2, results.get(i));
    }
  }

  @Test
  void run_slowConsumer_readsAheadABoundedNumberOfEvents() throws Exception {
    int workers = 2;
    AtomicInteger read = new AtomicInteger();
    AtomicInteger maxAhead = new AtomicInteger();
    int[] consumed = {0};

    new ParallelReplay(workers).<Integer, Integer>run(sink -> {
      for (int i = 0; i < EVENTS; i++) {
        read.incrementAndGet();
        sink.accept(i);
      }
    }, i -> i, i -> {
      consumed[0]++;
      maxAhead.accumulateAndGet(read.get() - consumed[0], Math::max);
      if (i % 1000 == 0) {
        LockSupport.parkNanos(2_000_000);
      }
    });

    int bound = (workers * ParallelReplay.BATCHES_PER_WORKER + 2) * ParallelReplay.BATCH;
    assertTrue(maxAhead.get() <= bound, "read " + maxAhead.get() + " events ahead, bound " + bound);
  }

  @Test
  void run_replayFails_theFailureIsThrownHere() {
    IllegalArgumentException failure = new IllegalArgumentException("bad record");

    IllegalArgumentException thrown = assertThrows(IllegalArgumentException.class, () -> new ParallelReplay(2).<Integer, Integer>run(sink -> {
      for (int i = 0; i < EVENTS; i++) {
        sink.accept(i);
      }
    }, i -> {
      if (i == 5_000) {
        throw failure;
      }
      return i;
    }, i -> {}));

    assertSame(failure, thrown);
  }

  @Test
  void run_readingFails_theResultsBeforeThenTheFailure() {
    List<Integer> results = new ArrayList<>();

    IOException thrown = assertThrows(IOException.class, () -> new ParallelReplay(2).<Integer, Integer>run(sink -> {
      for (int i = 0; i < 1_000; i++) {
        sink.accept(i);
      }
      throw new IOException("export truncated");
    }, i -> i, results::add));

    assertEquals("export truncated", thrown.getMessage());
    assertEquals(1_000, results.size(), "what was read is replayed first");
  }
}

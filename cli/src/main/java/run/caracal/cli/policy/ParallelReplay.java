package run.caracal.cli.policy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Replays a stream of events on every core and hands the results over in the events' order:
 * one thread reads the events and cuts them into batches, {@code workers} threads turn each
 * batch into results (read the record, decide it again), and the calling thread takes the
 * batches' results in order. At most {@link #BATCHES_PER_WORKER} batches per worker are read
 * ahead, so memory does not grow with the number of events. One per run.
 */
final class ParallelReplay {
  /** Events per batch: enough to make handing a batch over cheap, few enough to stay in the young generation. */
  static final int BATCH = 64;
  /** Batches read ahead per worker, at most. */
  static final int BATCHES_PER_WORKER = 2;

  /** Where events come from: calls its sink once per event, in order, on one thread. */
  interface Events<E> {
    void stream(Consumer<E> sink) throws IOException;
  }

  private final int workers;

  ParallelReplay(int workers) {
    this.workers = Math.max(1, workers);
  }

  /**
   * Streams {@code events} through {@code replay} (on the workers) into {@code results} (on this
   * thread, in the events' order).
   *
   * @throws IOException when reading the events fails (after the results of what was read)
   */
  <E, R> void run(Events<E> events, Function<E, R> replay, Consumer<R> results) throws IOException {
    ExecutorService pool = Executors.newFixedThreadPool(workers, r -> daemon(r, "caracal-replay"));
    BlockingQueue<CompletableFuture<List<R>>> inOrder = new ArrayBlockingQueue<>(workers * BATCHES_PER_WORKER);
    CompletableFuture<List<R>> end = CompletableFuture.completedFuture(List.of());
    CompletableFuture<Void> read = new CompletableFuture<>();
    AtomicBoolean stop = new AtomicBoolean();
    Thread reader = daemon(() -> {
      List<E> batch = new ArrayList<>(BATCH);
      try {
        events.stream(event -> {
          batch.add(event);
          if (batch.size() == BATCH) {
            submit(pool, inOrder, List.copyOf(batch), replay, stop);
            batch.clear();
          }
        });
        read.complete(null);
      } catch (Throwable t) {
        read.completeExceptionally(t);
      } finally {
        if (!batch.isEmpty() && !stop.get()) { // what was read before the end, or before a failure
          submit(pool, inOrder, List.copyOf(batch), replay, stop);
        }
        put(inOrder, end, stop);
      }
    }, "caracal-replay-reader");
    reader.start();
    try {
      for (CompletableFuture<List<R>> next = take(inOrder); next != end; next = take(inOrder)) {
        next.join().forEach(results);
      }
      read.join();
    } catch (CompletionException e) {
      rethrow(e.getCause());
    } finally {
      stop.set(true);
      inOrder.clear();
      pool.shutdownNow();
    }
  }

  private static <E, R> void submit(ExecutorService pool, BlockingQueue<CompletableFuture<List<R>>> inOrder, List<E> batch,
      Function<E, R> replay, AtomicBoolean stop) {
    if (stop.get()) {
      throw new IllegalStateException("replay stopped");
    }
    put(inOrder, CompletableFuture.supplyAsync(() -> {
      List<R> out = new ArrayList<>(batch.size());
      batch.forEach(e -> out.add(replay.apply(e)));
      return out;
    }, pool), stop);
  }

  private static <T> void put(BlockingQueue<T> queue, T item, AtomicBoolean stop) {
    try {
      while (!stop.get() && !queue.offer(item, 100, TimeUnit.MILLISECONDS)) {
        // the consumer is busy; it stops us when it fails
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static <T> T take(BlockingQueue<T> queue) {
    try {
      return queue.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while replaying");
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  private static void rethrow(Throwable t) throws IOException {
    if (t instanceof IOException e) {
      throw e;
    }
    if (t instanceof RuntimeException e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new IllegalStateException(t);
  }
}

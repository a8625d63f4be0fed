package run.caracal.ledger.perf;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerConfig;
import run.caracal.ledger.event.Decision;
import run.caracal.ledger.event.Fingerprint;
import run.caracal.ledger.event.LedgerEvent;
import run.caracal.ledger.journal.JournalSettings;
import run.caracal.ledger.support.DbKind;
import run.caracal.ledger.support.TestDatabase;
import run.caracal.ledger.verify.VerificationReport;
import run.caracal.ledger.writer.WriterSettings;

/**
 * Quick throughput check (not a test, not JMH): durable appends/s at several concurrencies and
 * verify events/s, on H2 and PostgreSQL. The JMH version is in the bench module.
 * Run: {@code java -cp <ledger test classpath> run.caracal.ledger.perf.LedgerThroughput [seconds] [journal]}
 * ({@code journal}: appends durable in a local journal, the database filled from it; the figures
 * are then the rate the database keeps up with, as the journal's backlog is bounded).
 */
public final class LedgerThroughput {
  private LedgerThroughput() {}

  static final String EXPLANATION = "{\"principal\":{\"app\":\"app-1\",\"zone\":\"prod\"},"
      + "\"resource\":\"resource://billing-api\",\"scopes\":{\"requested\":[\"billing:charge\"],"
      + "\"granted\":[\"billing:charge\"]},\"rules\":[{\"policy\":\"billing-charge\","
      + "\"version\":3,\"rule\":\"small-charges\",\"effect\":\"allow\"}],\"policy_set\":"
      + "{\"name\":\"production\",\"version\":7,\"manifest\":\"sha256:9f2c4d0e1b7a\"},"
      + "\"reasons\":[],\"eval_us\":12}";

  static LedgerEvent event(Ledger ledger, long i) {
    return ledger.newEvent("gateway.decision").requestId("req-" + i).traceId("trace-" + i)
        .sessionId("sess-" + (i % 100)).token(Fingerprint.of("jti-" + (i % 100))).zone("prod")
        .app("app-1").resource("resource://billing-api").actor("agent-1")
        .decision(Decision.ALLOW).explanation(EXPLANATION).build();
  }

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    boolean journaled = args.length > 1 && args[1].equals("journal");
    for (DbKind kind : DbKind.values()) {
      for (int threads : new int[] {1, 16, 64}) {
        Path tmp = Files.createTempDirectory("ledger-perf");
        TestDatabase db = TestDatabase.create(kind, tmp);
        LedgerConfig config = db.config().withWriter(WriterSettings.DEFAULTS);
        if (journaled) {
          config = config.withJournal(JournalSettings.in(tmp.resolve("journal"), false));
        }
        try (Ledger ledger = Ledger.open(config)) {
          double rate = appendRate(ledger, threads, seconds);
          long behind = ledger.journalBacklog();
          long ingestStart = System.nanoTime();
          while (ledger.journalBacklog() > 0) {
            Thread.sleep(10);
          }
          if (journaled) {
            System.out.printf("%-8s journal: the database %,d events behind at the end, caught up %.2f s later;"
                + " into the database during the run: at least %,.0f events/s%n", kind, behind,
                (System.nanoTime() - ingestStart) / 1e9, rate - (double) behind / seconds);
          }
          long backlog = ledger.indexBacklog();
          long drainStart = System.nanoTime();
          while (ledger.indexBacklog() > 0) {
            Thread.sleep(50);
          }
          System.out.printf("%-8s append concurrency %2d: %,10.0f events/s (key index %,d events behind at the end,"
              + " caught up %.1f s later)%n", kind, threads, rate, backlog, (System.nanoTime() - drainStart) / 1e9);
          if (threads == 64) {
            for (int round = 1; round <= 3; round++) { // round 1 includes JIT warm-up
              long start = System.nanoTime();
              VerificationReport r = ledger.verify();
              double secs = (System.nanoTime() - start) / 1e9;
              System.out.printf("%-8s verify round %d, %,d events: %,10.0f events/s (%s)%n", kind,
                  round, r.events(), r.events() / secs, r.ok() ? "ok" : r.summary());
            }
          }
        }
      }
    }
    System.exit(0);
  }

  static double appendRate(Ledger ledger, int threads, int seconds) throws Exception {
    AtomicBoolean measuring = new AtomicBoolean(false);
    AtomicBoolean stop = new AtomicBoolean(false);
    LongAdder done = new LongAdder();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      long base = (long) t << 32;
      Thread w = new Thread(() -> {
        for (long i = base; !stop.get(); i++) {
          ledger.append(event(ledger, i)).join();
          if (measuring.get()) {
            done.increment();
          }
        }
      });
      w.start();
      workers.add(w);
    }
    Thread.sleep(1_000); // warm-up
    measuring.set(true);
    long start = System.nanoTime();
    Thread.sleep(seconds * 1_000L);
    measuring.set(false);
    double rate = done.sum() / ((System.nanoTime() - start) / 1e9);
    stop.set(true);
    for (Thread w : workers) {
      w.join();
    }
    return rate;
  }
}

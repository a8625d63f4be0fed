package run.caracal.ledger.support;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerConfig;
import run.caracal.ledger.journal.JournalSettings;
import run.caracal.ledger.writer.WriterSettings;

/**
 * Run in a separate JVM by the crash test: appends from 16 threads forever and prints
 * {@code ack <event id>} for every completed future, until killed.
 * Arguments: jdbc url, user, key directory, and optionally a journal directory (appends are then
 * durable in the journal).
 */
public final class CrashAppender {
  private CrashAppender() {}

  public static void main(String[] args) {
    LedgerConfig config = LedgerConfig.jdbc(args[0], args[1], "", Path.of(args[2]))
        .withWriter(WriterSettings.DEFAULTS.withCheckpoints(500, Duration.ofSeconds(1)));
    if (args.length > 3) {
      config = config.withJournal(JournalSettings.in(Path.of(args[3]), false));
    }
    Ledger ledger = Ledger.open(config);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    System.out.println("ready");
    System.out.flush();
    for (int t = 0; t < 16; t++) {
      int thread = t;
      pool.submit(() -> {
        for (int i = 0; ; i++) {
          var event = ledger.newEvent("gateway.decision").id("crash-" + thread + "-" + i)
              .requestId("r-" + thread + "-" + i).explanation("{\"i\":" + i + "}").build();
          ledger.append(event).join();
          synchronized (System.out) {
            System.out.println("ack " + event.id());
          }
        }
      });
    }
  }
}

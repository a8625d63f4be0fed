package run.caracal.bench.ledger;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.event.Decision;
import run.caracal.ledger.verify.VerificationReport;

/**
 * Verify throughput: one full verification of a ledger of {@link #EVENTS} events per
 * invocation; the score (ops/s) is events verified per second.
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar LedgerVerifyBenchmark -p db=h2,postgres
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class LedgerVerifyBenchmark {
  static final int EVENTS = 100_000;

  @Param({"h2", "postgres"})
  public String db;

  private LedgerAppendBenchmark.BenchDatabase database;
  private Ledger ledger;

  @Setup(Level.Trial)
  public void fill() throws Exception {
    database = LedgerAppendBenchmark.BenchDatabase.create(db);
    ledger = Ledger.open(database.config());
    List<CompletableFuture<AppendedEvent>> pending = new ArrayList<>();
    for (int i = 0; i < EVENTS; i++) {
      pending.add(ledger.append(ledger.newEvent("gateway.decision").requestId("req-" + i)
          .zone("prod").app("app-1").resource("resource://billing-api").decision(Decision.ALLOW)
          .explanation(LedgerAppendBenchmark.EXPLANATION).build()));
      if (pending.size() == 4_096) {
        pending.forEach(CompletableFuture::join);
        pending.clear();
      }
    }
    pending.forEach(CompletableFuture::join);
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    ledger.close();
    database.drop();
  }

  @Benchmark
  @OperationsPerInvocation(EVENTS)
  public VerificationReport verifyAll() {
    VerificationReport report = ledger.verify();
    if (!report.ok()) {
      throw new IllegalStateException(report.summary());
    }
    return report;
  }
}

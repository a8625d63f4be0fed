package run.caracal.bench.ledger;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerConfig;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.event.Decision;
import run.caracal.ledger.event.Fingerprint;
import run.caracal.ledger.event.LedgerEvent;

/**
 * Durable appends per second: each benchmark thread appends one event and waits until its
 * batch has committed. Run at 1, 16 and 64 threads on H2 and on the local PostgreSQL:
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar LedgerAppendBenchmark -t 1  -p db=h2,postgres
 * java -jar bench/target/benchmarks.jar LedgerAppendBenchmark -t 16 -p db=h2,postgres
 * java -jar bench/target/benchmarks.jar LedgerAppendBenchmark -t 64 -p db=h2,postgres
 * </pre>
 *
 * PostgreSQL: 127.0.0.1:5432, user postgres, trust auth (override with -Dbench.pg.host); a
 * database {@code caracal_bench_<time>} is created per trial and dropped after it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 5, time = 5)
@Fork(1)
public class LedgerAppendBenchmark {
  static final String EXPLANATION = "{\"principal\":{\"app\":\"app-1\",\"zone\":\"prod\"},"
      + "\"resource\":\"resource://billing-api\",\"scopes\":{\"requested\":[\"billing:charge\"],"
      + "\"granted\":[\"billing:charge\"]},\"rules\":[{\"policy\":\"billing-charge\","
      + "\"version\":3,\"rule\":\"small-charges\",\"effect\":\"allow\"}],\"policy_set\":"
      + "{\"name\":\"production\",\"version\":7,\"manifest\":\"sha256:9f2c4d0e1b7a\"},"
      + "\"reasons\":[],\"eval_us\":12}";

  @Param({"h2", "postgres"})
  public String db;

  private BenchDatabase database;
  private Ledger ledger;
  private final AtomicLong counter = new AtomicLong();

  @Setup(Level.Trial)
  public void open() throws Exception {
    database = BenchDatabase.create(db);
    ledger = Ledger.open(database.config());
  }

  @TearDown(Level.Trial)
  public void close() throws Exception {
    ledger.close();
    database.drop();
  }

  @Benchmark
  public AppendedEvent appendDurable() {
    long i = counter.incrementAndGet();
    LedgerEvent event = ledger.newEvent("gateway.decision").requestId("req-" + i)
        .traceId("trace-" + i).sessionId("sess-" + (i % 100))
        .token(Fingerprint.of("jti-" + (i % 100))).zone("prod").app("app-1")
        .resource("resource://billing-api").actor("agent-1").decision(Decision.ALLOW)
        .explanation(EXPLANATION).build();
    return ledger.append(event).join();
  }

  /** A throwaway database: an H2 file in a temp directory or a new PostgreSQL database. */
  static final class BenchDatabase {
    final String kind;
    final Path dir;
    final String pgName;

    private BenchDatabase(String kind, Path dir, String pgName) {
      this.kind = kind;
      this.dir = dir;
      this.pgName = pgName;
    }

    static BenchDatabase create(String kind) throws IOException, SQLException {
      Path dir = Files.createTempDirectory("caracal-bench");
      if (kind.equals("h2")) {
        return new BenchDatabase(kind, dir, "");
      }
      String name = "caracal_bench_" + System.currentTimeMillis();
      try (Connection c = DriverManager.getConnection(host() + "postgres", "postgres", "");
          Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + name);
      }
      return new BenchDatabase(kind, dir, name);
    }

    static String host() {
      return "jdbc:postgresql://" + System.getProperty("bench.pg.host", "127.0.0.1:5432") + "/";
    }

    LedgerConfig config() {
      Path keys = dir.resolve("keys");
      return kind.equals("h2")
          ? LedgerConfig.h2(dir.resolve("db"), keys)
          : LedgerConfig.jdbc(host() + pgName, "postgres", "", keys);
    }

    void drop() throws SQLException {
      if (!pgName.isEmpty()) {
        try (Connection c = DriverManager.getConnection(host() + "postgres", "postgres", "");
            Statement s = c.createStatement()) {
          s.execute("DROP DATABASE IF EXISTS " + pgName + " WITH (FORCE)");
        }
      }
    }
  }
}

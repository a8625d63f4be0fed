package run.caracal.ledger.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Connection pools for the two supported databases. The H2 URL always carries
 * {@code WRITE_DELAY=0}: H2 otherwise writes committed transactions to its file up to 500 ms
 * later, so a crash could lose events whose futures had completed.
 */
public final class DataSources {
  /** File name (without H2's {@code .mv.db}) of the embedded database. */
  public static final String H2_NAME = "ledger";

  private DataSources() {}

  /** The JDBC URL of the embedded H2 database in {@code directory}. */
  public static String h2Url(Path directory) {
    return "jdbc:h2:file:" + directory.toAbsolutePath().resolve(H2_NAME)
        + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000";
  }

  /**
   * Where the key index of the embedded H2 ledger at {@code ledgerUrl} lives: its own file beside
   * the ledger's ({@code ledger-index.mv.db}), without {@code WRITE_DELAY=0} (the index is rebuilt
   * from the events when a commit is lost). Empty for any other database: there the index shares
   * the ledger's database.
   */
  public static Optional<String> h2IndexUrl(String ledgerUrl) {
    if (!ledgerUrl.startsWith("jdbc:h2:file:")) {
      return Optional.empty();
    }
    int end = ledgerUrl.indexOf(';');
    String file = end < 0 ? ledgerUrl : ledgerUrl.substring(0, end);
    return Optional.of(file + "-index;LOCK_TIMEOUT=10000");
  }

  /**
   * A pool for {@code jdbcUrl}: H2 ({@code jdbc:h2:}) or PostgreSQL ({@code jdbc:postgresql:},
   * with batched inserts rewritten into multi-row statements).
   */
  public static HikariDataSource pool(String jdbcUrl, String user, String password, int size) {
    HikariConfig config = new HikariConfig();
    config.setPoolName("caracal-ledger");
    config.setJdbcUrl(jdbcUrl);
    config.setUsername(user);
    config.setPassword(password);
    config.setMaximumPoolSize(size);
    config.setMinimumIdle(1);
    // while the database is away a request waits this long for a connection before it fails closed
    // (a dead pooled connection is retried once on a fresh one, by the ledger writer and by control
    // transactions, so a refused request waits about twice this); longer only hides an outage
    config.setConnectionTimeout(3_000);
    config.setInitializationFailTimeout(10_000);
    if (jdbcUrl.startsWith("jdbc:postgresql:")) {
      config.addDataSourceProperty("reWriteBatchedInserts", "true");
    }
    return new HikariDataSource(config);
  }
}

package run.caracal.ledger.support;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerConfig;
import run.caracal.ledger.store.DataSources;
import run.caracal.ledger.writer.WriterSettings;

/**
 * A fresh, empty ledger database for one test: an H2 file in a temp directory or a new schema
 * in this run's PostgreSQL database. {@link #sql} runs direct SQL (for tampering).
 */
public final class TestDatabase {
  private final DbKind kind;
  private final String url;
  private final String user;
  private final Path keyDir;

  private TestDatabase(DbKind kind, String url, String user, Path keyDir) {
    this.kind = kind;
    this.url = url;
    this.user = user;
    this.keyDir = keyDir;
  }

  public static TestDatabase create(DbKind kind, Path tempDir) throws Exception {
    Path keys = Files.createDirectories(tempDir.resolve("keys"));
    if (kind == DbKind.H2) {
      Path dir = Files.createDirectories(tempDir.resolve("db"));
      return new TestDatabase(kind, DataSources.h2Url(dir), "sa", keys);
    }
    return new TestDatabase(kind, PostgresServer.get().newSchemaUrl(), PostgresServer.USER, keys);
  }

  public DbKind kind() {
    return kind;
  }

  public String url() {
    return url;
  }

  public String user() {
    return user;
  }

  public Path keyDir() {
    return keyDir;
  }

  /** Config with small checkpoint intervals so tests see several checkpoints. */
  public LedgerConfig config() {
    return LedgerConfig.jdbc(url, user, "", keyDir)
        .withWriter(WriterSettings.DEFAULTS.withCheckpoints(10, Duration.ofMinutes(10)))
        .withPoolSize(4);
  }

  public Ledger open() {
    return Ledger.open(config());
  }

  public Connection connect() throws SQLException {
    return DriverManager.getConnection(url, user, "");
  }

  /** Runs statements in one auto-committed connection. */
  public void sql(String... statements) throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement()) {
      for (String statement : statements) {
        s.execute(statement);
      }
    }
  }

  public long count(String query) throws SQLException {
    try (Connection c = connect(); Statement s = c.createStatement();
        var rs = s.executeQuery(query)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase();
  }
}

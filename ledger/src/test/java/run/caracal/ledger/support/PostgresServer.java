package run.caracal.ledger.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The local PostgreSQL (127.0.0.1:5432, trust auth, user postgres): one uniquely named database
 * per test run, dropped when the run ends; each test gets its own schema in it.
 */
public final class PostgresServer implements AutoCloseable {
  public static final String HOST = "jdbc:postgresql://127.0.0.1:5432/";
  public static final String USER = "postgres";

  private static PostgresServer instance;

  private final String database;
  private int schemas;

  private PostgresServer() throws SQLException {
    database = "caracal_ledger_test_" + System.currentTimeMillis() + "_"
        + ThreadLocalRandom.current().nextInt(1_000_000);
    try (Connection c = DriverManager.getConnection(HOST + "postgres", USER, "");
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + database);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(this::dropQuietly));
  }

  /** The server of this test run, creating its database on first use. */
  public static synchronized PostgresServer get() {
    if (instance == null) {
      try {
        instance = new PostgresServer();
      } catch (SQLException e) {
        throw new IllegalStateException("postgresql at 127.0.0.1:5432 is not reachable", e);
      }
    }
    return instance;
  }

  /** Creates a fresh schema and returns a URL whose default schema is it. */
  public synchronized String newSchemaUrl() throws SQLException {
    String schema = "t" + (++schemas);
    try (Connection c = DriverManager.getConnection(HOST + database, USER, "");
        Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA " + schema);
    }
    return HOST + database + "?currentSchema=" + schema;
  }

  public String database() {
    return database;
  }

  @Override
  public void close() {
    dropQuietly();
  }

  private synchronized void dropQuietly() {
    try (Connection c = DriverManager.getConnection(HOST + "postgres", USER, "");
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    } catch (SQLException ignored) {
      // best effort at the end of the run
    }
  }
}

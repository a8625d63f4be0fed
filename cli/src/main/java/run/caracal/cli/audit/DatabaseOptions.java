package run.caracal.cli.audit;

import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import run.caracal.ledger.store.DataSources;

/**
 * `--db URL` with its credentials, for commands that read the ledger's database directly instead
 * of through the running server.
 */
public final class DatabaseOptions {
  @Option(names = "--db", paramLabel = "JDBC-URL", description = "Read this database directly, e.g. jdbc:postgresql://127.0.0.1:5432/caracal.")
  public String url;

  @Option(names = "--db-user", paramLabel = "USER", description = "Database user (or CARACAL_DB_USER).")
  String user;

  @Option(names = "--db-password-file", paramLabel = "FILE", description = "File holding the database password (or CARACAL_DB_PASSWORD).")
  Path passwordFile;

  /** Whether {@code --db} was given. */
  public boolean given() {
    return url != null;
  }

  /** The URL without credentials, for messages. */
  public String display() {
    return url.replaceAll("//[^@/]*@", "//");
  }

  /**
   * A small pool on the database.
   *
   * @throws IllegalStateException when it cannot be opened (an embedded H2 database held by a
   *     running server says so)
   */
  public HikariDataSource open() throws IOException {
    boolean h2 = url.startsWith("jdbc:h2:");
    String u = user != null ? user : System.getenv().getOrDefault("CARACAL_DB_USER", h2 ? "sa" : "");
    String password = passwordFile != null ? Files.readString(passwordFile).trim()
        : System.getenv().getOrDefault("CARACAL_DB_PASSWORD", "");
    try {
      return DataSources.pool(url, u, password, 2);
    } catch (RuntimeException e) {
      throw new IllegalStateException("cannot open `" + display() + "`: " + root(e)
          + (h2 ? " (a running server holds its embedded database: stop it, or read through the server)" : ""));
    }
  }

  private static String root(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return String.valueOf(t.getMessage()).lines().findFirst().orElse("");
  }
}

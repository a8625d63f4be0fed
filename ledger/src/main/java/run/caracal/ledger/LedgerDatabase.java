package run.caracal.ledger;

import java.nio.file.Path;
import java.util.Objects;
import javax.sql.DataSource;

/** Where the ledger keeps its tables. */
public sealed interface LedgerDatabase {

  /** The embedded default: an H2 file database {@code ledger.mv.db} in {@code directory}. */
  record H2File(Path directory) implements LedgerDatabase {
    public H2File {
      Objects.requireNonNull(directory, "directory");
    }
  }

  /** A database reached by JDBC URL ({@code jdbc:postgresql:...} or {@code jdbc:h2:...}). */
  record Jdbc(String url, String user, String password) implements LedgerDatabase {
    public Jdbc {
      Objects.requireNonNull(url, "url");
      user = user == null ? "" : user;
      password = password == null ? "" : password;
    }

    @Override
    public String toString() {
      return "Jdbc[url=" + url + ", user=" + user + "]"; // never the password
    }
  }

  /** A data source owned by the caller (e.g. the server's pool); the ledger does not close it. */
  record External(DataSource dataSource) implements LedgerDatabase {
    public External {
      Objects.requireNonNull(dataSource, "dataSource");
    }
  }
}

package run.caracal.ledger.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;

/** The two supported databases and what differs between them. */
enum Dialect {
  H2(6), // org.h2.engine.Constants.TRANSACTION_SNAPSHOT: every read sees one snapshot
  POSTGRESQL(Connection.TRANSACTION_REPEATABLE_READ); // a snapshot on PostgreSQL

  private final int snapshotIsolation;

  Dialect(int snapshotIsolation) {
    this.snapshotIsolation = snapshotIsolation;
  }

  /** The JDBC isolation level that gives one consistent snapshot for a whole transaction. */
  int snapshotIsolation() {
    return snapshotIsolation;
  }

  static Dialect of(Connection connection) throws SQLException {
    String product = connection.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
    if (product.contains("h2")) {
      return H2;
    }
    if (product.contains("postgres")) {
      return POSTGRESQL;
    }
    throw new SQLException("unsupported database `" + product + "`");
  }
}

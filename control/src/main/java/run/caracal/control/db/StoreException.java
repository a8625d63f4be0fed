package run.caracal.control.db;

import java.sql.SQLException;

/**
 * The database failed (unreachable, constraint, timeout). Callers fail closed: the operation did
 * not happen, and the message says what the database reported.
 */
public final class StoreException extends RuntimeException {
  private final String sqlState;

  public StoreException(SQLException cause) {
    super("database error: " + cause.getMessage(), cause);
    this.sqlState = cause.getSQLState();
  }

  /** Whether the failure is a unique or primary-key violation (SQLSTATE 23505). */
  public boolean isDuplicate() {
    return "23505".equals(sqlState);
  }
}

package run.caracal.control.db;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * A thin layer over JDBC: parameterised queries and updates, and transactions that run a block
 * on one connection. A transaction opened on a thread is joined by every query, update and
 * transaction that thread runs until it ends ({@link #inTransaction}), so several stores' writes
 * commit together. Thread-safe (each outermost call takes its own connection from the pool).
 */
public final class Jdbc {
  /** Maps the current row. */
  @FunctionalInterface
  public interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  /** Work inside a transaction. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Connection c) throws SQLException;
  }

  private final DataSource dataSource;
  private final ThreadLocal<Connection> current = new ThreadLocal<>();

  public Jdbc(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  public DataSource dataSource() {
    return dataSource;
  }

  /**
   * Runs {@code work} in one transaction; rolls back on any failure. When the pooled connection
   * turns out to be dead before the commit (the database restarted, or ended the backend), the
   * pool drops it and the work runs once more on a fresh connection: nothing of the first try was
   * committed. A failure at or after the commit is never retried.
   */
  public <T> T transaction(Work<T> work) {
    Connection joined = current.get();
    if (joined != null) {
      try {
        return work.run(joined);
      } catch (SQLException e) {
        throw new StoreException(e);
      }
    }
    try {
      return attempt(work);
    } catch (DeadBeforeCommit dead) {
      try {
        return attempt(work);
      } catch (DeadBeforeCommit again) {
        throw new StoreException((SQLException) again.getCause());
      }
    }
  }

  /**
   * Runs {@code work} in one transaction that every database call it makes on this thread joins;
   * as {@link #transaction}, it may run twice when the connection was dead before the commit.
   */
  public <T> T inTransaction(Supplier<T> work) {
    return transaction(c -> work.get());
  }

  private <T> T attempt(Work<T> work) {
    try (Connection c = dataSource.getConnection()) {
      boolean auto = c.getAutoCommit();
      c.setAutoCommit(false);
      boolean committing = false;
      current.set(c);
      try {
        T result = work.run(c);
        committing = true;
        c.commit();
        return result;
      } catch (SQLException | RuntimeException e) {
        rollbackQuietly(c);
        SQLException sql = e instanceof SQLException direct ? direct
            : e instanceof StoreException store && store.getCause() instanceof SQLException wrapped ? wrapped : null;
        if (!committing && sql != null && deadConnection(sql)) {
          throw new DeadBeforeCommit(sql);
        }
        throw e;
      } finally {
        current.remove();
        try {
          c.setAutoCommit(auto);
        } catch (SQLException ignored) {
          // a dead connection: the pool evicts it
        }
      }
    } catch (SQLException e) {
      throw new StoreException(e);
    }
  }

  /** SQL states of a connection that is gone: class 08, and PostgreSQL's shutdown/terminate codes. */
  static boolean deadConnection(SQLException e) {
    String state = e.getSQLState();
    return state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03"));
  }

  private static void rollbackQuietly(Connection c) {
    try {
      c.rollback();
    } catch (SQLException ignored) {
      // the connection is dead: nothing was committed
    }
  }

  /** The connection died before the commit: safe to run the work again. */
  private static final class DeadBeforeCommit extends RuntimeException {
    DeadBeforeCommit(SQLException cause) {
      super(cause);
    }
  }

  public <T> List<T> query(String sql, RowMapper<T> mapper, Object... args) {
    return transaction(c -> query(c, sql, mapper, args));
  }

  public <T> Optional<T> queryOne(String sql, RowMapper<T> mapper, Object... args) {
    List<T> rows = query(sql, mapper, args);
    return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
  }

  public int update(String sql, Object... args) {
    return transaction(c -> update(c, sql, args));
  }

  public static <T> List<T> query(Connection c, String sql, RowMapper<T> mapper, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      try (ResultSet rs = ps.executeQuery()) {
        List<T> out = new ArrayList<>();
        while (rs.next()) {
          out.add(mapper.map(rs));
        }
        return out;
      }
    }
  }

  public static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      bind(ps, args);
      return ps.executeUpdate();
    }
  }

  private static void bind(PreparedStatement ps, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      ps.setObject(i + 1, args[i]);
    }
  }

  /** Nullable long column as an optional. */
  public static Optional<Long> optionalLong(ResultSet rs, String column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? Optional.empty() : Optional.of(v);
  }
}

package run.caracal.control.db;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A pooled connection that died with a database restart fails its first statement; the
 * transaction then runs once more on a fresh connection. The database is a real H2; a data
 * source in front of it hands out connections whose first statement fails as a dead one does.
 */
class JdbcRetryTest {
  private JdbcDataSource real;
  private final AtomicInteger deadOnes = new AtomicInteger();
  private String deadState = "08006";
  private Jdbc jdbc;

  @BeforeEach
  void setUp() {
    real = new JdbcDataSource();
    real.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    real.setUser("sa");
    real.setPassword("");
    jdbc = new Jdbc(new Flaky());
    deadOnes.set(0);
    jdbc.update("create table t (id varchar(20) primary key)");
  }

  private long rows() {
    return new Jdbc(real).queryOne("select count(*) from t", rs -> rs.getLong(1)).orElseThrow();
  }

  @Test
  void connectionDeadBeforeTheCommit_runsOnceMoreOnAFreshOne() {
    deadOnes.set(1);

    assertEquals(1, jdbc.update("insert into t (id) values (?)", "a"));
    assertEquals(1, rows(), "written once");
  }

  @Test
  void postgresTerminatedBackend_isADeadConnectionToo() {
    deadState = "57P01";
    deadOnes.set(1);

    assertEquals(1, jdbc.update("insert into t (id) values (?)", "a"));
  }

  @Test
  void deadTwice_failsWithNothingWritten() {
    deadOnes.set(2);

    StoreException e = assertThrows(StoreException.class, () -> jdbc.update("insert into t (id) values (?)", "a"));
    assertTrue(e.getMessage().contains("connection is gone"), e.getMessage());
    assertEquals(0, rows());
  }

  @Test
  void otherFailures_areNotRetried() {
    jdbc.update("insert into t (id) values (?)", "a");
    AtomicInteger runs = new AtomicInteger();

    StoreException e = assertThrows(StoreException.class, () -> jdbc.transaction(c -> {
      runs.incrementAndGet();
      return Jdbc.update(c, "insert into t (id) values (?)", "a");
    }));
    assertTrue(e.isDuplicate(), e.getMessage());
    assertEquals(1, runs.get());
  }

  /** The real data source; while {@code deadOnes} is positive each connection handed out is a dead one. */
  private final class Flaky implements DataSource {
    @Override
    public Connection getConnection() throws SQLException {
      Connection c = real.getConnection();
      if (deadOnes.getAndUpdate(n -> Math.max(0, n - 1)) <= 0) {
        return c;
      }
      return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
          (proxy, method, args) -> {
            if (method.getName().startsWith("prepare") || method.getName().equals("createStatement")) {
              throw new SQLException("the connection is gone", deadState);
            }
            try {
              return method.invoke(c, args);
            } catch (InvocationTargetException e) {
              throw e.getCause();
            }
          });
    }

    @Override
    public Connection getConnection(String user, String password) throws SQLException {
      return getConnection();
    }

    @Override
    public PrintWriter getLogWriter() {
      return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
      return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
      throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
      throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
      return false;
    }
  }
}

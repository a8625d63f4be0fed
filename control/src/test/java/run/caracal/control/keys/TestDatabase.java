package run.caracal.control.keys;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.h2.jdbcx.JdbcDataSource;
import run.caracal.control.db.ControlSchema;
import run.caracal.control.db.Jdbc;

/** An in-memory H2 database with the control schema, and a clock the test moves. */
public final class TestDatabase {
  private TestDatabase() {}

  public static Jdbc fresh() {
    JdbcDataSource ds = new JdbcDataSource();
    ds.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
    ds.setUser("sa");
    ds.setPassword("");
    ControlSchema.migrate(ds);
    return new Jdbc(ds);
  }

  public static void insertZone(Jdbc jdbc, String zoneId) {
    jdbc.update("insert into zones (id, name, created_at) values (?, ?, ?)", zoneId, zoneId.replace('_', '-'), 0L);
  }

  /** A clock that stands still until moved. */
  public static final class MutableClock extends Clock {
    private volatile Instant now;

    public MutableClock(Instant start) {
      this.now = start;
    }

    public void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }
}

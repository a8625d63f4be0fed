package run.caracal.control.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.ds.PGSimpleDataSource;
import run.caracal.control.db.ControlSchema;
import run.caracal.control.db.Jdbc;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerConfig;
import run.caracal.ledger.event.AppendedEvent;
import run.caracal.ledger.query.EventFilter;
import run.caracal.ledger.query.PageRequest;

/**
 * A control-plane change and its ledger event cannot diverge, on H2 and on the local PostgreSQL:
 * a change that fails leaves no event; a change made while the ledger cannot commit keeps its
 * event in the outbox until the ledger takes it, once.
 */
class AdminAuditOutboxTest {
  @TempDir Path keys;
  private Ledger ledger;
  private DataSource dataSource;

  @AfterEach
  void close() {
    if (ledger != null) {
      ledger.close();
    }
  }

  private Jdbc open(String database) throws SQLException {
    if (database.equals("h2")) {
      JdbcDataSource h2 = new JdbcDataSource();
      h2.setURL("jdbc:h2:mem:" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
      h2.setUser("sa");
      dataSource = h2;
    } else {
      String name = "caracal_outbox_" + UUID.randomUUID().toString().replace("-", "");
      try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/postgres", "postgres", "");
          Statement s = c.createStatement()) {
        s.execute("create database " + name);
      }
      PGSimpleDataSource pg = new PGSimpleDataSource();
      pg.setURL("jdbc:postgresql://127.0.0.1:5432/" + name);
      pg.setUser("postgres");
      dataSource = pg;
    }
    ControlSchema.migrate(dataSource);
    ledger = Ledger.open(LedgerConfig.dataSource(dataSource, keys));
    Jdbc jdbc = new Jdbc(dataSource);
    jdbc.update("create table widgets (name varchar(32) primary key)");
    return jdbc;
  }

  private long events(String type) {
    return ledger.list(EventFilter.all(), PageRequest.first(1000)).events().stream().map(AppendedEvent::event)
        .filter(e -> e.type().equals(type)).count();
  }

  private void sql(String statement) throws SQLException {
    try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
      s.execute(statement);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void change_committed_itsEventIsInTheLedgerWhenItReturns(String database) throws Exception {
    Jdbc jdbc = open(database);
    AdminAudit audit = new AdminAudit(ledger, jdbc);

    audit.change(() -> {
      jdbc.update("insert into widgets (name) values (?)", "a");
      audit.record("zone.created", "zone_1", "admin", Map.of("name", "a"));
    });

    assertEquals(1, events("zone.created"));
    assertEquals(0, audit.pending());
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void change_fails_leavesNeitherTheChangeNorItsEvent(String database) throws Exception {
    Jdbc jdbc = open(database);
    AdminAudit audit = new AdminAudit(ledger, jdbc);

    assertThrows(IllegalStateException.class, () -> audit.change(() -> {
      audit.record("zone.created", "zone_1", "admin", Map.of("name", "b"));
      jdbc.update("insert into widgets (name) values (?)", "b");
      throw new IllegalStateException("the change failed after its event was written");
    }));

    assertEquals(0, jdbc.queryOne("select count(*) from widgets", rs -> rs.getInt(1)).orElseThrow());
    assertEquals(0, audit.pending());
    assertEquals(0, events("zone.created"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"h2", "postgresql"})
  void change_whileTheLedgerCannotCommit_standsAndItsEventLandsOnceLater(String database) throws Exception {
    Jdbc jdbc = open(database);
    AdminAudit audit = new AdminAudit(ledger, jdbc);

    sql("alter table ledger_event rename to ledger_event_away");
    try {
      audit.change(() -> {
        jdbc.update("insert into widgets (name) values (?)", "c");
        audit.record("app.created", "zone_1", "admin", Map.of("app", "c"));
      });
      assertEquals(1, jdbc.queryOne("select count(*) from widgets", rs -> rs.getInt(1)).orElseThrow(), "the change stands");
      assertEquals(1, audit.pending(), "its event waits in the outbox");
    } finally {
      sql("alter table ledger_event_away rename to ledger_event");
    }

    assertEquals(1, audit.drain());
    assertEquals(0, audit.drain(), "nothing twice");
    assertEquals(1, events("app.created"));
    assertEquals(0, audit.pending());
  }
}

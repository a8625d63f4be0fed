package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import org.h2.jdbcx.JdbcDataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.ledger.LedgerConfig;
import run.caracal.ledger.journal.JournalSettings;
import run.caracal.server.home.CaracalHome;

/** Which ledger a server opens: the journal with the embedded H2 database only, as configured. */
class LedgerJournalSettingTest {
  @TempDir Path home;

  @AfterEach
  void clear() {
    System.clearProperty("caracal.ledger.journal");
  }

  private ServerSettings settings(Optional<String> db) {
    return new ServerSettings(new CaracalHome(home), db, Optional.empty(), Optional.empty(), "127.0.0.1", 0, 0,
        Optional.empty(), ServerSettings.ALL_ROLES);
  }

  private LedgerConfig config(Optional<String> db) {
    return CaracalServer.ledgerConfig(settings(db), new JdbcDataSource(), Clock.systemUTC());
  }

  @Test
  void embeddedDatabase_journalUnderTheHome_withoutFsyncByDefault() {
    JournalSettings journal = config(Optional.empty()).journal().orElseThrow();
    assertEquals(home.resolve("db").resolve("journal"), journal.directory());
    assertEquals(false, journal.sync());
    System.setProperty("caracal.ledger.journal", "sync");
    assertTrue(config(Optional.empty()).journal().orElseThrow().sync());
  }

  @Test
  void offOrAnExternalDatabase_commitsEveryAppendToTheDatabase() {
    assertTrue(config(Optional.of("jdbc:postgresql://127.0.0.1:5432/caracal")).journal().isEmpty());
    System.setProperty("caracal.ledger.journal", "off");
    assertTrue(config(Optional.empty()).journal().isEmpty());
  }

  @Test
  void unknownMode_isAClearError() {
    System.setProperty("caracal.ledger.journal", "maybe");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> config(Optional.empty()));
    assertTrue(e.getMessage().contains("CARACAL_LEDGER_JOURNAL must be on, sync or off"), e.getMessage());
  }
}

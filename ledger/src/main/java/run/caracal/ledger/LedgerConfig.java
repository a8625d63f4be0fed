package run.caracal.ledger;

import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import run.caracal.ledger.journal.JournalSettings;
import run.caracal.ledger.writer.WriterSettings;

/**
 * How to open a {@link Ledger}: the database, the directory of the checkpoint signing key, the
 * writer's tuning, the clock and whether to migrate the schema on open. Immutable; adjust with
 * the {@code with...} methods.
 *
 * @param database where the tables live
 * @param keyDirectory directory holding {@code ledger-signing.pem} (created 0600 when missing)
 * @param writer group-commit writer settings
 * @param clock source of event times filled in by {@link Ledger#newEvent} and checkpoint times
 * @param migrate whether {@link Ledger#open} applies the Flyway migrations
 * @param poolSize connections when the ledger makes its own pool
 * @param journal when present, an append is durable once in this local journal and the database
 *     is filled from it asynchronously (see {@link run.caracal.ledger.journal.JournaledStore})
 */
public record LedgerConfig(LedgerDatabase database, Path keyDirectory, WriterSettings writer,
    Clock clock, boolean migrate, int poolSize, Optional<JournalSettings> journal) {

  public LedgerConfig {
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(keyDirectory, "keyDirectory");
    Objects.requireNonNull(writer, "writer");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(journal, "journal");
    if (poolSize < 2) {
      throw new IllegalArgumentException("invalid_settings: pool size must be at least 2");
    }
  }

  /** The embedded default: H2 in {@code databaseDirectory} (e.g. {@code $CARACAL_HOME/db}). */
  public static LedgerConfig h2(Path databaseDirectory, Path keyDirectory) {
    return of(new LedgerDatabase.H2File(databaseDirectory), keyDirectory);
  }

  /** A database by JDBC URL, e.g. {@code jdbc:postgresql://127.0.0.1:5432/caracal}. */
  public static LedgerConfig jdbc(String url, String user, String password, Path keyDirectory) {
    return of(new LedgerDatabase.Jdbc(url, user, password), keyDirectory);
  }

  /** A caller-owned data source. */
  public static LedgerConfig dataSource(DataSource dataSource, Path keyDirectory) {
    return of(new LedgerDatabase.External(dataSource), keyDirectory);
  }

  private static LedgerConfig of(LedgerDatabase database, Path keyDirectory) {
    return new LedgerConfig(database, keyDirectory, WriterSettings.DEFAULTS, Clock.systemUTC(),
        true, 8, Optional.empty());
  }

  public LedgerConfig withWriter(WriterSettings value) {
    return new LedgerConfig(database, keyDirectory, value, clock, migrate, poolSize, journal);
  }

  public LedgerConfig withClock(Clock value) {
    return new LedgerConfig(database, keyDirectory, writer, value, migrate, poolSize, journal);
  }

  public LedgerConfig withMigrate(boolean value) {
    return new LedgerConfig(database, keyDirectory, writer, clock, value, poolSize, journal);
  }

  /** Appends durable in a local journal, the database filled from it (see {@link #journal}). */
  public LedgerConfig withJournal(JournalSettings value) {
    return new LedgerConfig(database, keyDirectory, writer, clock, migrate, poolSize, Optional.of(value));
  }

  public LedgerConfig withPoolSize(int value) {
    return new LedgerConfig(database, keyDirectory, writer, clock, migrate, value, journal);
  }
}

package run.caracal.ledger.store;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import run.caracal.ledger.LedgerException;

/**
 * Applies the ledger's Flyway migrations ({@code classpath:db/caracal/ledger}, history table
 * {@code ledger_schema_history}, so the ledger can share a database with other modules).
 */
public final class SchemaMigrator {
  /** Where the migrations live on the classpath. */
  public static final String LOCATION = "classpath:db/caracal/ledger";
  /** The Flyway history table of the ledger. */
  public static final String HISTORY_TABLE = "ledger_schema_history";

  /** Where the key index's migrations live (see {@link KeyIndexer}). */
  public static final String INDEX_LOCATION = "classpath:db/caracal/ledger-index";
  /** The Flyway history table of the key index. */
  public static final String INDEX_HISTORY_TABLE = "ledger_index_schema_history";

  private SchemaMigrator() {}

  /**
   * Migrates the schema to the latest version.
   *
   * @throws LedgerException {@code ledger_migration_failed}
   */
  public static void migrate(DataSource dataSource) {
    migrate(dataSource, LOCATION, HISTORY_TABLE);
  }

  /**
   * Migrates the key index's schema (in the ledger's database or its own) to the latest version.
   *
   * @throws LedgerException {@code ledger_migration_failed}
   */
  public static void migrateIndex(DataSource dataSource) {
    migrate(dataSource, INDEX_LOCATION, INDEX_HISTORY_TABLE);
  }

  private static void migrate(DataSource dataSource, String location, String table) {
    try {
      Flyway.configure(SchemaMigrator.class.getClassLoader())
          .dataSource(dataSource)
          .locations(location)
          .table(table)
          .baselineOnMigrate(true)
          .baselineVersion("0")
          .load()
          .migrate();
    } catch (FlywayException e) {
      throw new LedgerException("ledger_migration_failed",
          "cannot migrate the ledger schema: " + e.getMessage().lines().findFirst().orElse(""), e);
    }
  }
}

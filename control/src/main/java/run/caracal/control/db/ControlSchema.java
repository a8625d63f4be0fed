package run.caracal.control.db;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** Applies the control plane's Flyway migrations (its own history table beside the ledger's). */
public final class ControlSchema {
  public static final String LOCATION = "classpath:db/caracal/control";
  public static final String HISTORY_TABLE = "control_schema_history";

  private ControlSchema() {}

  public static void migrate(DataSource dataSource) {
    Flyway.configure()
        .dataSource(dataSource)
        .locations(LOCATION)
        .table(HISTORY_TABLE)
        .baselineOnMigrate(true)
        .baselineVersion("0")
        .load()
        .migrate();
  }
}

package run.caracal.control.notify;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Locale;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells other processes sharing the database that something they cache changed (an activation,
 * a key rotation, a resource): PostgreSQL `NOTIFY caracal_changes`. A no-op on H2 (one process).
 * Losing a notification is harmless: every process also polls once a second. Thread-safe.
 */
public final class ChangeNotifier {
  public static final String CHANNEL = "caracal_changes";
  private static final Logger LOG = LoggerFactory.getLogger(ChangeNotifier.class);

  private final DataSource dataSource;
  private final boolean postgres;

  public ChangeNotifier(DataSource dataSource) {
    this.dataSource = dataSource;
    boolean pg = false;
    try (Connection c = dataSource.getConnection()) {
      pg = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres");
    } catch (SQLException e) {
      LOG.warn("cannot tell the database kind; change notifications disabled error={}", e.getMessage());
    }
    this.postgres = pg;
  }

  public boolean enabled() {
    return postgres;
  }

  /** Announces a change of {@code kind} (`activation`, `keys`, `resource`) in {@code zoneId}. */
  public void changed(String kind, String zoneId) {
    if (!postgres) {
      return;
    }
    try (Connection c = dataSource.getConnection(); PreparedStatement ps = c.prepareStatement("select pg_notify(?, ?)")) {
      ps.setString(1, CHANNEL);
      ps.setString(2, kind + ":" + zoneId);
      ps.execute();
    } catch (SQLException e) {
      LOG.warn("change notification not sent kind={} zone={} error={}", kind, zoneId, e.getMessage());
    }
  }
}

package run.caracal.control.notify;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Listens on `caracal_changes` with a dedicated PostgreSQL connection and hands each change to
 * a callback; reconnects with back-off after a dropped connection (the once-a-second poll covers
 * the gap). Stop with {@link #close()}.
 */
public final class ChangeListener implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeListener.class);

  private final String url;
  private final String user;
  private final String password;
  private final Consumer<String> onChange;
  private final Thread thread;
  private volatile boolean closed;

  public ChangeListener(String url, String user, String password, Consumer<String> onChange) {
    this.url = url;
    this.user = user;
    this.password = password;
    this.onChange = onChange;
    this.thread = new Thread(this::run, "caracal-change-listener");
    this.thread.setDaemon(true);
  }

  public ChangeListener start() {
    thread.start();
    return this;
  }

  private void run() {
    long backoff = 250;
    while (!closed) {
      try (Connection c = DriverManager.getConnection(url, user, password)) {
        try (Statement s = c.createStatement()) {
          s.execute("LISTEN " + ChangeNotifier.CHANNEL);
        }
        backoff = 250;
        PGConnection pg = c.unwrap(PGConnection.class);
        while (!closed) {
          PGNotification[] notifications = pg.getNotifications(1000);
          if (notifications != null) {
            for (PGNotification n : notifications) {
              onChange.accept(n.getParameter());
            }
          }
        }
      } catch (SQLException e) {
        if (!closed) {
          LOG.warn("change listener lost its connection; retrying error={}", e.getMessage());
          onChange.accept("reconnect:*");
          sleep(backoff);
          backoff = Math.min(backoff * 2, 5000);
        }
      }
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
  }
}

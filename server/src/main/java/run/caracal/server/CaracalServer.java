package run.caracal.server;

import com.zaxxer.hikari.HikariDataSource;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.caracal.control.ControlPlane;
import run.caracal.control.crypto.SecretBox;
import run.caracal.control.db.Jdbc;
import run.caracal.control.limit.RateLimiter;
import run.caracal.control.notify.ChangeListener;
import run.caracal.control.token.TokenVerifier;
import run.caracal.decision.InputMasker;
import run.caracal.gateway.authz.GatewayAuthorizer;
import run.caracal.gateway.net.UpstreamGuard;
import run.caracal.gateway.proxy.GatewayServer;
import run.caracal.gateway.proxy.GatewaySettings;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.LedgerConfig;
import run.caracal.ledger.journal.JournalSettings;
import run.caracal.ledger.store.DataSources;
import run.caracal.server.admin.AdminContext;
import run.caracal.server.home.ProcessRecord;
import run.caracal.server.status.StatusContext;
import run.caracal.server.trace.Telemetry;
import run.caracal.sts.api.StsContext;
import run.caracal.sts.session.SessionService;
import run.caracal.sts.token.Introspection;
import run.caracal.sts.token.Lifetimes;
import run.caracal.sts.token.TokenMinter;
import run.caracal.sts.token.TokenService;

/**
 * One Caracal process: opens the database (embedded H2 under the home, or the given JDBC URL),
 * the ledger and the control plane, and serves the control + STS HTTP API. Records its roles and
 * URLs in `$CARACAL_HOME/run/PID.json` (and, when it runs the control role, in `server.json`) so
 * other commands find it; closing removes the record. Close to stop cleanly.
 */
public final class CaracalServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(CaracalServer.class);

  private final ServerSettings settings;
  private final HikariDataSource dataSource;
  private final Ledger ledger;
  private final ControlPlane control;
  private final ApplicationContext context;
  private final EmbeddedServer http;
  private final ScheduledExecutorService background;
  private final String stsUrl;
  private final GatewayServer gateway;
  private final ChangeListener listener;
  private final Telemetry telemetry;

  private CaracalServer(ServerSettings settings, HikariDataSource dataSource, Ledger ledger, ControlPlane control,
      ApplicationContext context, EmbeddedServer http, ScheduledExecutorService background, String stsUrl, GatewayServer gateway,
      ChangeListener listener, Telemetry telemetry) {
    this.settings = settings;
    this.dataSource = dataSource;
    this.ledger = ledger;
    this.control = control;
    this.context = context;
    this.http = http;
    this.background = background;
    this.stsUrl = stsUrl;
    this.gateway = gateway;
    this.listener = listener;
    this.telemetry = telemetry;
  }

  /**
   * The ledger over the server's database. With the embedded H2 database (one process owns it),
   * appends are durable in the journal {@code $CARACAL_HOME/db/journal} and H2 is filled from it
   * asynchronously, unless {@code CARACAL_LEDGER_JOURNAL=off}; {@code sync} also flushes each
   * journal write to the disk. A server on an external database commits every append to it.
   */
  static LedgerConfig ledgerConfig(ServerSettings settings, DataSource dataSource, Clock clock) {
    LedgerConfig config = LedgerConfig.dataSource(dataSource, settings.home().ledgerKeys()).withClock(clock);
    String mode = System.getProperty("caracal.ledger.journal", System.getenv().getOrDefault("CARACAL_LEDGER_JOURNAL", "on"));
    if (!mode.equals("on") && !mode.equals("sync") && !mode.equals("off")) {
      throw new IllegalArgumentException("invalid_settings: CARACAL_LEDGER_JOURNAL must be on, sync or off, not `" + mode + "`");
    }
    if (settings.dbUrl().isPresent() || mode.equals("off")) {
      return config;
    }
    return config.withJournal(JournalSettings.in(settings.home().database().resolve("journal"), mode.equals("sync")));
  }

  public static CaracalServer start(ServerSettings settings) {
    settings.home().ensure();
    String adminToken = settings.home().adminToken();
    String url = settings.dbUrl().orElse(DataSources.h2Url(settings.home().database()));
    HikariDataSource dataSource = DataSources.pool(url, settings.dbUser().orElse(url.startsWith("jdbc:h2:") ? "sa" : null),
        settings.dbPassword().orElse(url.startsWith("jdbc:h2:") ? "" : null), 16);
    Ledger ledger = null;
    Telemetry telemetry = null;
    try {
      telemetry = Telemetry.fromEnvironment();
      Clock clock = Clock.systemUTC();
      ledger = Ledger.open(ledgerConfig(settings, dataSource, clock));
      ControlPlane control = new ControlPlane(new Jdbc(dataSource), SecretBox.open(settings.home().masterKeyFile()), ledger, clock,
          maskPaths(System.getenv().getOrDefault("CARACAL_RECORD_MASK_PATHS", "")), telemetry.tracing());
      int port = settings.stsPort() == 0 ? freePort() : settings.stsPort();
      String stsUrl = settings.issuer().orElse("http://" + settings.host() + ":" + port);
      Lifetimes lifetimes = Lifetimes.DEFAULTS;
      TokenMinter minter = new TokenMinter(control.keys(), stsUrl);
      TokenVerifier verifier = new TokenVerifier(control.keys(), stsUrl, clock, lifetimes.clockSkew());
      SessionService sessions = new SessionService(control, minter, verifier, lifetimes, clock);
      TokenService tokens = new TokenService(control, sessions, minter, lifetimes, clock);
      Introspection introspection = new Introspection(control, verifier, sessions, clock);
      double perSecond = Double.parseDouble(System.getProperty("caracal.rate-limit.per-app",
          System.getenv().getOrDefault("CARACAL_RATE_LIMIT_PER_APP", "1000")));
      RateLimiter limiter = new RateLimiter(perSecond, (int) Math.max(1, perSecond * 2), System::nanoTime);
      Map<String, Object> props = new LinkedHashMap<>();
      props.put("micronaut.server.port", port);
      props.put("micronaut.server.host", settings.host());
      props.put("micronaut.server.max-request-size", "1MB");
      // handlers read the database and wait for durable ledger appends: keep them off the event loop,
      // so many requests can share one group commit
      props.put("micronaut.server.thread-selection", "BLOCKING");
      props.put("micronaut.application.name", "caracal");
      GatewayServer gateway = null;
      if (settings.runs("gateway")) {
        double gatewayPerSecond = Double.parseDouble(System.getProperty("caracal.gateway.rate-limit.per-app",
            System.getenv().getOrDefault("CARACAL_GATEWAY_RATE_LIMIT_PER_APP", "10000")));
        GatewayAuthorizer authorizer = new GatewayAuthorizer(control, verifier, new UpstreamGuard(true, true), clock,
            new RateLimiter(gatewayPerSecond, (int) Math.max(1, gatewayPerSecond * 2), System::nanoTime));
        try {
          String caFile = System.getProperty("caracal.upstream-ca-file", System.getenv().getOrDefault("CARACAL_UPSTREAM_CA_FILE", ""));
          gateway = GatewayServer.start(settings.host(), settings.gatewayPort(), authorizer, ledger,
              GatewaySettings.DEFAULTS.withUpstreamCaFile(caFile.isBlank() ? Optional.empty() : Optional.of(Path.of(caFile))));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted while starting the gateway", e);
        }
      }
      ApplicationContext context = null;
      EmbeddedServer http = null;
      if (settings.runs("control") || settings.runs("sts")) {
        context = ApplicationContext.builder()
            .properties(props)
            .singletons(new StsContext(control, sessions, tokens, introspection, limiter, stsUrl),
                new AdminContext(control, sessions, adminToken),
                new StatusContext(control, settings.roles(),
                    Optional.ofNullable(gateway).map(g -> "http://" + settings.host() + ":" + g.port()), stsUrl))
            .deduceEnvironment(false)
            .start();
        http = context.getBean(EmbeddedServer.class);
        http.start();
      }
      ScheduledExecutorService background = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "caracal-refresh");
        t.setDaemon(true);
        return t;
      });
      background.scheduleWithFixedDelay(() -> refresh(control), 1, 1, TimeUnit.SECONDS);
      // events of committed control-plane changes that the ledger could not take at the time
      background.scheduleWithFixedDelay(() -> control.audit().drain(), 0, 2, TimeUnit.SECONDS);
      ChangeListener listener = url.startsWith("jdbc:postgresql:")
          ? new ChangeListener(url, settings.dbUser().orElse(null), settings.dbPassword().orElse(null), change -> {
              applyChange(control, change);
            }).start()
          : null;
      CaracalServer server = new CaracalServer(settings, dataSource, ledger, control, context, http, background, stsUrl, gateway,
          listener, telemetry);
      server.writeState(url);
      LOG.info("caracal started sts_url={} gateway_url={} database={} tracing={}", stsUrl, server.gatewayUrl().orElse("-"),
          url.startsWith("jdbc:h2:") ? "h2" : "postgresql", telemetry.tracing().enabled() ? "otlp" : "off");
      return server;
    } catch (RuntimeException e) {
      if (ledger != null) {
        ledger.close();
      }
      dataSource.close();
      if (telemetry != null) {
        telemetry.close();
      }
      throw e;
    }
  }

  /**
   * A change another process announced (`kind:zoneId`, or `reconnect:*` after the listener lost
   * its connection): recompiles only that zone's policy sets, on the listener's thread.
   */
  private static void applyChange(ControlPlane control, String change) {
    try {
      int colon = change.indexOf(':');
      String kind = colon < 0 ? change : change.substring(0, colon);
      String zone = colon < 0 ? "*" : change.substring(colon + 1);
      if (zone.equals("*")) {
        control.active().reloadAll();
      } else if (kind.equals("activation") || kind.equals("resource")) {
        control.active().changed(zone);
      }
      control.keys().refresh();
    } catch (RuntimeException e) {
      LOG.warn("cannot apply a change notification change={} error={}", change, e.getMessage());
    }
  }

  private static void refresh(ControlPlane control) {
    try {
      control.active().refreshIfChanged();
      control.keys().refresh();
    } catch (RuntimeException e) {
      LOG.warn("policy refresh failed error={}", e.getMessage());
    }
  }

  public String stsUrl() {
    return stsUrl;
  }

  /** The Gateway's URL when this process runs the gateway role. */
  public Optional<String> gatewayUrl() {
    return Optional.ofNullable(gateway).map(g -> "http://" + settings.host() + ":" + g.port());
  }

  public ControlPlane control() {
    return control;
  }

  public Ledger ledger() {
    return ledger;
  }

  private void writeState(String dbUrl) {
    boolean servesAdmin = http != null;
    settings.home().processes().join(new ProcessRecord(ProcessHandle.current().pid(), Stream.of("control", "sts", "gateway").filter(settings::runs).toList(), stsUrl,
        servesAdmin ? Optional.of(stsUrl) : Optional.empty(), gatewayUrl(),
        dbUrl.startsWith("jdbc:h2:") ? "h2" : dbUrl.replaceAll("//[^@/]*@", "//"), Optional.of(Instant.now())));
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port", e);
    }
  }

  @Override
  public void close() {
    try {
      settings.home().processes().leave(ProcessHandle.current().pid());
    } catch (RuntimeException e) {
      LOG.warn("cannot remove this process's record error={}", e.getMessage());
    }
    background.shutdownNow();
    if (listener != null) {
      listener.close();
    }
    try {
      if (gateway != null) {
        gateway.close();
      }
      if (http != null) {
        http.stop();
        context.close();
      }
    } finally {
      ledger.close();
      dataSource.close();
      telemetry.close();
    }
  }

  /** The decision-input paths decision records keep only as fingerprints: the defaults plus the configured ones (comma-separated). */
  static List<String> maskPaths(String configured) {
    List<String> paths = new ArrayList<>(InputMasker.DEFAULT_PATHS);
    for (String p : configured.split(",")) {
      if (!p.isBlank() && !paths.contains(p.strip())) {
        paths.add(p.strip());
      }
    }
    return List.copyOf(paths);
  }
}

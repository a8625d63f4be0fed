package run.caracal.server;

import java.util.Optional;
import java.util.Set;
import run.caracal.server.home.CaracalHome;

/**
 * How to run a server process: state directory, database (empty: embedded H2 under the home),
 * bind host and ports (0 = any free port), the public STS URL used as `iss`, and which roles run.
 */
public record ServerSettings(
    CaracalHome home, Optional<String> dbUrl, Optional<String> dbUser, Optional<String> dbPassword, String host, int stsPort,
    int gatewayPort, Optional<String> issuer, Set<String> roles) {
  public static final int DEFAULT_STS_PORT = 7070;
  public static final int DEFAULT_GATEWAY_PORT = 7080;
  public static final Set<String> ALL_ROLES = Set.of("control", "sts", "gateway");

  public ServerSettings {
    roles = Set.copyOf(roles);
  }

  public boolean runs(String role) {
    return roles.contains(role);
  }
}

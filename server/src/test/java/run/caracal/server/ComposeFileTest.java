package run.caracal.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** There is no Docker engine here: check compose.yml's structure instead of running it. */
class ComposeFileTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @SuppressWarnings("unchecked")
  @Test
  void compose_hasPostgresControlTwoGatewaysAndUpstream_withFileSecrets() throws Exception {
    Map<String, Object> compose = new Yaml().load(Files.readString(ROOT.resolve("compose.yml")));
    Map<String, Object> services = (Map<String, Object>) compose.get("services");
    assertEquals(List.of("postgres", "control", "gateway-1", "gateway-2", "demo-upstream"), List.copyOf(services.keySet()));
    Map<String, Object> secrets = (Map<String, Object>) compose.get("secrets");
    secrets.values().forEach(s -> assertTrue(((Map<String, Object>) s).containsKey("file"), "secrets come from files: " + s));
    for (String name : List.of("control", "gateway-1", "gateway-2")) {
      Map<String, Object> service = (Map<String, Object>) services.get(name);
      List<String> command = (List<String>) service.get("command");
      assertEquals("serve", command.get(0));
      assertTrue(command.contains("--db-password-file"), name + " reads the database password from a file");
      assertTrue(String.join(" ", command).contains("jdbc:postgresql://postgres:5432/caracal"), name);
      assertTrue(((List<String>) service.get("secrets")).contains("master_key"), name + " shares the master key");
      Object env = service.get("environment");
      assertEquals("/var/lib/caracal-ledger-keys", ((Map<String, Object>) env).get("CARACAL_LEDGER_KEY_DIR"),
          name + " shares the ledger checkpoint key");
      assertEquals(List.of("ledger-keys:/var/lib/caracal-ledger-keys"), service.get("volumes"), name);
      assertFalse(String.valueOf(env).toLowerCase().contains("password="), name + " has no password literal");
    }
    String roles = String.join(" ", (List<String>) ((Map<String, Object>) services.get("gateway-1")).get("command"));
    assertTrue(roles.contains("--roles gateway"), roles);
    Map<String, Object> postgres = (Map<String, Object>) services.get("postgres");
    assertTrue(String.valueOf(postgres.get("environment")).contains("POSTGRES_PASSWORD_FILE"));
    String dockerfile = Files.readString(ROOT.resolve("Dockerfile"));
    assertTrue(dockerfile.contains("USER caracal"), "the image runs as a non-root user");
    assertTrue(dockerfile.contains("AS build"), "multi-stage build");
    assertTrue(dockerfile.contains("install -d -o caracal -g caracal -m 0700 /var/lib/caracal-ledger-keys"),
        "the shared key volume's mount point belongs to the non-root user");
    assertTrue(((Map<String, Object>) compose.get("volumes")).containsKey("ledger-keys"));
  }
}

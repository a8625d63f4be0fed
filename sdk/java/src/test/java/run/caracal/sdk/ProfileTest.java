package run.caracal.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Profile loading and its error cases, without a server. */
class ProfileTest {
  @TempDir Path dir;

  private Path secret(String mode) throws Exception {
    Path s = dir.resolve("app.secret");
    Files.writeString(s, "s3cret\n");
    Files.setPosixFilePermissions(s, PosixFilePermissions.fromString(mode));
    return s;
  }

  private Path profile(String extra) throws Exception {
    Path p = dir.resolve("caracal.toml");
    Files.writeString(p, """
        sts_url = "http://127.0.0.1:7070"
        gateway_url = "http://127.0.0.1:7080"
        zone_id = "zon_1"
        application_id = "app_1"
        ttl_seconds = 600
        """ + extra);
    return p;
  }

  @Test
  void loadsAProfileWithARelativeSecretFile() throws Exception {
    secret("rw-------");
    Profile p = Profile.load(profile("app_client_secret_file = \"app.secret\"\n[[credentials]]\nresource = \"resource://billing-api\"\n"
        + "scopes = [\"billing:charge\"]\nupstream_prefix = \"http://127.0.0.1:9000\"\n"));
    assertEquals("s3cret", p.secret());
    assertEquals(600, p.ttlSeconds());
    assertEquals("CARACAL_TOKEN_BILLING_API", p.credentials().get(0).env());
    assertEquals("http://127.0.0.1:9000", p.credentials().get(0).upstreamPrefix().orElseThrow());
  }

  @Test
  void unknownKeysAreErrors() throws Exception {
    secret("rw-------");
    ConfigException e = assertThrows(ConfigException.class, () -> Profile.load(profile("app_client_secret_file = \"app.secret\"\nsts = 1\n")));
    assertTrue(e.getMessage().contains("unknown key `sts`"), e.getMessage());
    assertEquals("config_invalid", e.reason());
  }

  @Test
  void aGroupReadableSecretIsAnError() throws Exception {
    secret("rw-r-----");
    ConfigException e = assertThrows(ConfigException.class, () -> Profile.load(profile("app_client_secret_file = \"app.secret\"\n")));
    assertTrue(e.getMessage().contains("chmod 600"), e.getMessage());
  }

  @Test
  void bothSecretsAreAnError() throws Exception {
    secret("rw-------");
    ConfigException e = assertThrows(ConfigException.class,
        () -> Profile.load(profile("app_client_secret_file = \"app.secret\"\napp_client_secret = \"x\"\n")));
    assertTrue(e.getMessage().contains("set only one of"), e.getMessage());
    assertThrows(ConfigException.class, () -> Profile.resolve(Map.of("CARACAL_STS_URL", "http://x", "CARACAL_APPLICATION_ID", "a",
        "CARACAL_APP_CLIENT_SECRET", "x", "CARACAL_APP_CLIENT_SECRET_FILE", dir.resolve("app.secret").toString())));
  }

  @Test
  void missingThingsAreNamed() throws Exception {
    ConfigException env = assertThrows(ConfigException.class, () -> Profile.resolve(Map.of("CARACAL_STS_URL", "http://x")));
    assertTrue(env.getMessage().contains("CARACAL_APPLICATION_ID") && env.getMessage().contains("CARACAL_APP_CLIENT_SECRET_FILE"),
        env.getMessage());
    ConfigException key = assertThrows(ConfigException.class, () -> Profile.load(profile("app_client_secret = \"x\"\n")
        .resolveSibling("missing.toml")));
    assertTrue(key.getMessage().contains("does not exist"), key.getMessage());
    Files.writeString(dir.resolve("nosts.toml"), "application_id = \"a\"\napp_client_secret = \"x\"\n");
    ConfigException sts = assertThrows(ConfigException.class, () -> Profile.load(dir.resolve("nosts.toml")));
    assertTrue(sts.getMessage().contains("missing `sts_url`"), sts.getMessage());
    ConfigException none = assertThrows(ConfigException.class, () -> Profile.resolve(Map.of("XDG_CONFIG_HOME", dir.toString())));
    assertTrue(none.getMessage().contains("CARACAL_CONFIG"), none.getMessage());
  }

  @Test
  void environmentVariablesMakeAProfile() {
    Profile p = Profile.resolve(Map.of("CARACAL_STS_URL", "http://sts", "CARACAL_APPLICATION_ID", "app_1",
        "CARACAL_APP_CLIENT_SECRET", "x", "CARACAL_RESOURCE", "resource://echo", "CARACAL_SCOPES", "read, write"));
    assertEquals("environment", p.source());
    assertEquals(List.of("read", "write"), p.credentials().get(0).scopes());
    assertEquals(Profile.DEFAULT_TTL_SECONDS, p.ttlSeconds());
  }
}

package run.caracal.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The shared profile test vectors ({@code sdk/testdata/profiles/cases.json}), also run by the
 * Python, TypeScript and Go SDKs and the CLI, so the profile readers cannot drift apart.
 */
final class ProfileVectorsTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static final Path VECTORS = Path.of(System.getenv().getOrDefault("CARACAL_REPO", "../.."))
      .resolve("sdk/testdata/profiles").toAbsolutePath().normalize();

  @TempDir
  Path dir;

  static Stream<JsonNode> cases() throws IOException {
    List<JsonNode> cases = new ArrayList<>();
    JSON.readTree(VECTORS.resolve("cases.json").toFile()).get("cases").forEach(cases::add);
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void load_vector_matchesExpectedProfileOrError(JsonNode c) throws IOException {
    Path profile = Files.copy(VECTORS.resolve(c.get("profile").asText()), dir.resolve("caracal.toml"));
    JsonNode secret = c.get("secret_file");
    if (secret != null) {
      Path file = Files.writeString(dir.resolve(secret.get("name").asText()), secret.get("content").asText());
      Files.setPosixFilePermissions(file, PosixFilePermissions.fromString(rwx(secret.get("mode").asText())));
    }
    if (c.has("error")) {
      ConfigException e = assertThrows(ConfigException.class, () -> Profile.load(profile));
      c.get("error").forEach(part -> assertTrue(e.getMessage().contains(part.asText()),
          () -> "`" + e.getMessage() + "` should contain `" + part.asText() + "`"));
      return;
    }
    Profile p = Profile.load(profile);
    ObjectNode got = JSON.createObjectNode();
    got.put("sts_url", p.stsUrl()).put("gateway_url", p.gatewayUrl()).put("zone_id", p.zoneId())
        .put("application_id", p.applicationId()).put("secret", p.secret()).put("ttl_seconds", Math.toIntExact(p.ttlSeconds()));
    ArrayNode credentials = got.putArray("credentials");
    for (Profile.Credential cred : p.credentials()) {
      ObjectNode o = credentials.addObject().put("env", cred.env()).put("resource", cred.resource());
      cred.scopes().forEach(o.putArray("scopes")::add);
      o.put("upstream_prefix", cred.upstreamPrefix().orElse(null));
    }
    assertEquals(c.get("expect"), got);
  }

  /** {@code 0640} → {@code rw-r-----}. */
  static String rwx(String octal) {
    StringBuilder out = new StringBuilder();
    for (char digit : octal.substring(octal.length() - 3).toCharArray()) {
      int bits = digit - '0';
      out.append((bits & 4) != 0 ? 'r' : '-').append((bits & 2) != 0 ? 'w' : '-').append((bits & 1) != 0 ? 'x' : '-');
    }
    return out.toString();
  }
}

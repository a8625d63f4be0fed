package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import run.caracal.cli.CaracalProcess.Result;

/**
 * The shared profile test vectors ({@code sdk/testdata/profiles/cases.json}, run by every SDK too)
 * through {@code caracal run -- true} from the built jar: a profile that cannot be used exits 2
 * with its message on stderr; a usable one gets as far as the STS it names (nothing listens there,
 * so exit 1 naming that URL).
 */
final class ProfileVectorsIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path dir;

  static Stream<JsonNode> cases() throws IOException {
    List<JsonNode> cases = new ArrayList<>();
    JSON.readTree(vectors().resolve("cases.json").toFile()).get("cases").forEach(cases::add);
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void run_vector_refusesWithTheSameMessageAsTheSdks(JsonNode c) throws Exception {
    Path profile = Files.copy(vectors().resolve(c.get("profile").asText()), dir.resolve("caracal.toml"));
    JsonNode secret = c.get("secret_file");
    if (secret != null) {
      Path file = Files.writeString(dir.resolve(secret.get("name").asText()), secret.get("content").asText());
      Files.setPosixFilePermissions(file, permissions(secret.get("mode").asText()));
    }

    Result r = run(profile);

    if (c.has("error")) {
      assertEquals(2, r.exit(), r::toString);
      assertTrue(r.err().startsWith("caracal run: "), r::toString);
      assertEquals(1, r.err().lines().count(), r::toString);
      c.get("error").forEach(part -> assertTrue(r.err().contains(part.asText()), () -> "lacks `" + part.asText() + "`: " + r));
    } else {
      assertEquals(1, r.exit(), r::toString);
      assertTrue(r.err().startsWith("caracal run: cannot open a session: the STS at "
          + c.get("expect").get("sts_url").asText() + " is unreachable"), r::toString);
    }
    assertEquals("", r.out());
  }

  private static Path vectors() {
    return CaracalProcess.root().resolve("sdk/testdata/profiles");
  }

  private static Set<PosixFilePermission> permissions(String octal) {
    String digits = octal.substring(octal.length() - 3);
    PosixFilePermission[] all = PosixFilePermission.values(); // OWNER_READ ... OTHERS_EXECUTE
    Set<PosixFilePermission> out = new HashSet<>();
    for (int i = 0; i < 3; i++) {
      int bits = digits.charAt(i) - '0';
      for (int b = 0; b < 3; b++) {
        if ((bits & (4 >> b)) != 0) {
          out.add(all[i * 3 + b]);
        }
      }
    }
    return out;
  }

  private Result run(Path profile) throws Exception {
    List<String> command = CaracalProcess.cliCommand();
    command.addAll(List.of("run", "--", "true"));
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("CARACAL_"));
    pb.environment().put("CARACAL_CONFIG", profile.toString());
    Process p = pb.start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("caracal run did not finish");
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }
}

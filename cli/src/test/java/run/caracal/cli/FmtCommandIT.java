package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static run.caracal.cli.CaracalProcess.assertNoStackTrace;
import static run.caracal.cli.CaracalProcess.run;
import static run.caracal.cli.PolicyFiles.write;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.cli.CaracalProcess.Result;

/** `caracal policy fmt` in a real process. */
final class FmtCommandIT {
  @TempDir
  Path dir;

  @Test
  void fmt_checkThenFormatThenCheck_exitsOneThenZero() throws Exception {
    Path policy = write(dir, "p/files.yaml", PolicyFiles.RESOURCE_AND_POLICY);
    write(dir, "p/tests.yaml", PolicyFiles.PASSING_TESTS);
    String original = Files.readString(policy, StandardCharsets.UTF_8);

    Result check = run(dir, "policy", "fmt", "--check", "p");

    assertEquals(1, check.exit(), check::toString);
    assertTrue(check.out().contains(Path.of("p", "files.yaml").toString()), check.out());
    assertTrue(check.err().contains("would be reformatted"), check.err());
    assertEquals(original, Files.readString(policy, StandardCharsets.UTF_8), "--check changes nothing");

    Result format = run(dir, "policy", "fmt", "p");

    assertEquals(0, format.exit(), format::toString);
    assertTrue(format.out().contains("formatted " + Path.of("p", "files.yaml")), format.out());
    String formatted = Files.readString(policy, StandardCharsets.UTF_8);
    assertNotEquals(original, formatted);
    assertTrue(formatted.startsWith("# The files API and who may use it.\n"), formatted);

    Result again = run(dir, "policy", "fmt", "--check", "p");

    assertEquals(0, again.exit(), again::toString);
    assertEquals("", again.out());
  }

  @Test
  void fmt_formattedPolicies_lintAndTestTheSame() throws Exception {
    write(dir, "p/files.yaml", PolicyFiles.RESOURCE_AND_POLICY);
    write(dir, "p/tests.yaml", PolicyFiles.FAILING_TESTS);
    Result before = run(dir, "policy", "test", "p");

    assertEquals(0, run(dir, "policy", "fmt", "p").exit());
    Result after = run(dir, "policy", "test", "p");

    assertEquals(3, after.exit(), after::toString);
    assertEquals(before.out().replaceAll("\\(.*\\)", ""), after.out().replaceAll("\\(.*\\)", ""));
  }

  @Test
  void fmt_invalidYaml_exitsOneAndLeavesTheFile() throws Exception {
    Path bad = write(dir, "bad.yaml", "metadata: {name: p\nspec: [\n");

    Result r = run(dir, "policy", "fmt", "bad.yaml");

    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.err().contains("bad.yaml: not valid YAML, left unchanged"), r.err());
    assertEquals("metadata: {name: p\nspec: [\n", Files.readString(bad, StandardCharsets.UTF_8));
    assertNoStackTrace(r);
  }

  @Test
  void fmt_nonexistentPath_exitsTwo() throws Exception {
    Result r = run(dir, "policy", "fmt", "--check", "nowhere");

    assertEquals(2, r.exit(), r::toString);
    assertEquals("caracal: `nowhere` does not exist\n", r.err());
  }
}

package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static run.caracal.cli.CaracalProcess.assertNoStackTrace;
import static run.caracal.cli.CaracalProcess.run;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import run.caracal.cli.CaracalProcess.Result;

/** `caracal version`, `--version`, `--help` and usage errors (every command's help: {@link HelpTreeTest}). */
final class VersionCommandIT {
  @TempDir
  Path dir;

  @Test
  void version_printsTheBuildVersionAndJava() throws Exception {
    Result r = run(dir, "version");

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().matches("caracal \\d+\\.\\d+\\.\\d+(-SNAPSHOT)? \\(java [^)]+\\)\\n"), r.out());
    assertEquals("", r.err());
  }

  @Test
  void versionOption_printsTheSameVersion() throws Exception {
    Result option = run(dir, "--version");
    Result command = run(dir, "version");

    assertEquals(0, option.exit(), option::toString);
    assertTrue(command.out().startsWith(option.out().strip() + " "), option.out() + " / " + command.out());
  }

  @Test
  void help_listsThePolicyCommand() throws Exception {
    Result r = run(dir, "--help");

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains("policy"), r.out());
  }

  @Test
  void help_onSubcommandWithRequiredOption_printsUsageNotMissingOption() throws Exception {
    Result r = run(dir, "policy", "activate", "--help");

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().startsWith("Usage: caracal policy activate"), r.out());
    assertTrue(r.out().contains("--zone=ZONE"), r.out());
    assertEquals("", r.err());
  }

  @Test
  void unknownCommand_exitsTwo() throws Exception {
    Result r = run(dir, "polcy", "lint");

    assertEquals(2, r.exit(), r::toString);
    assertNoStackTrace(r);
  }

  @Test
  void noCommand_exitsTwoWithHint() throws Exception {
    Result r = run(dir);

    assertEquals(2, r.exit(), r::toString);
    assertTrue(r.err().contains("caracal --help"), r.err());
  }
}

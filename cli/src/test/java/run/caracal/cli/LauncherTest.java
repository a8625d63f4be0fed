package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher name in suggested commands: the {@code caracal} script passes how it was invoked,
 * and {@link Launcher} prints it. The script runs here on a copy with a stand-in {@code java}
 * that prints its arguments, so nothing is built or started.
 */
final class LauncherTest {
  /** The repository root: surefire runs in the cli module's folder. */
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @TempDir
  Path repo;

  @Test
  void name_notSet_isCaracal() {
    assertEquals("caracal", Launcher.name(null));
    assertEquals("caracal", Launcher.name(" "));
  }

  @Test
  void name_pathAsTyped_isKept() {
    assertEquals("./caracal", Launcher.name("./caracal"));
    assertEquals("/opt/caracal/caracal", Launcher.name("/opt/caracal/caracal"));
  }

  @Test
  void name_withSpaces_isQuotedForTheShell() {
    assertEquals("'/home/me/my tools/caracal'", Launcher.name("/home/me/my tools/caracal"));
    assertEquals("'/tmp/it'\\''s/caracal'", Launcher.name("/tmp/it's/caracal"));
  }

  @Test
  void script_invokedAsRelativePath_passesThatPath() throws Exception {
    Path java = standInRepository();

    String args = runScript(List.of("./caracal", "version"), java, System.getenv("PATH"));

    assertTrue(args.contains("-Dcaracal.launcher=./caracal\n"), args);
    assertTrue(args.endsWith("-jar\n" + repo.resolve("cli/target/caracal.jar") + "\nversion\n"), args);
  }

  @Test
  void script_foundOnThePath_passesItsBareName() throws Exception {
    Path java = standInRepository();

    String args = runScript(List.of("/bin/sh", "-c", "exec caracal version"), java, repo + ":" + System.getenv("PATH"));

    assertTrue(args.contains("-Dcaracal.launcher=caracal\n"), args);
  }

  /** A copy of the launcher beside a built-looking jar (so nothing is stale), and a stand-in java. */
  private Path standInRepository() throws IOException {
    Files.copy(ROOT.resolve("caracal"), repo.resolve("caracal"), StandardCopyOption.COPY_ATTRIBUTES);
    Path jar = Files.createDirectories(repo.resolve("cli/target")).resolve("caracal.jar");
    Files.writeString(jar, "not a jar");
    Path java = repo.resolve("stand-in-java");
    Files.writeString(java, "#!/bin/sh\nprintf '%s\\n' \"$@\"\n");
    Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwx------"));
    return java;
  }

  private String runScript(List<String> command, Path java, String path) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(repo.toFile()).redirectErrorStream(true);
    pb.environment().put("CARACAL_JAVA", java.toString());
    pb.environment().put("PATH", path);
    pb.environment().remove("CARACAL_JAVA_OPTS");
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), out);
    assertEquals(0, p.exitValue(), out);
    return out;
  }
}

package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `caracal quickstart` from the built jar, as the {@code ./caracal} launcher starts it: an allowed
 * and a denied call explained, and next steps that name the launcher as the user typed it.
 */
final class QuickstartIT {
  @TempDir
  Path dir;

  private Path home;

  @AfterEach
  void down() throws Exception {
    if (home != null) {
      caracal(List.of(), "down");
    }
  }

  @Test
  void quickstart_startedAsDotSlashCaracal_endsWithCommandsThatWorkInThatShell() throws Exception {
    home = dir.resolve("home");

    Result r = caracal(List.of("-Dcaracal.launcher=./caracal"), "quickstart", "--sts-port", "0", "--gateway-port", "0",
        "--dir", dir.resolve("qs").toString());

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains("denied_by_rule"), r::toString);
    assertTrue(r.out().contains("no-deletes"), r::toString);
    String next = r.out().substring(r.out().indexOf("next: run your own command"));
    assertTrue(next.contains(" ./caracal run -- sh -c 'curl"), next);
    assertTrue(next.contains("CARACAL_CONFIG=" + dir.resolve("qs").toRealPath().resolve("caracal.toml")
        + " ./caracal run --") || next.contains("CARACAL_CONFIG=" + dir.resolve("qs/caracal.toml") + " ./caracal run --"), next);
    assertTrue(next.contains("stop everything with `./caracal down`."), next);
    assertTrue(!next.contains(" caracal run") && !next.contains("`caracal down`"), next);
  }

  record Result(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private Result caracal(List<String> jvmOptions, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(ServeProcess.java()));
    command.addAll(jvmOptions);
    command.addAll(List.of("-jar", CaracalProcess.jar().toString()));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(dir, "out", ".txt");
    Path err = Files.createTempFile(dir, "err", ".txt");
    ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("CARACAL_HOME", home.toString());
    Process p = pb.start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("caracal " + String.join(" ", args) + " timed out:\n" + Files.readString(err));
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }
}

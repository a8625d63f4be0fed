package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs the built CLI jar as a user does ({@code java -jar caracal.jar ...}) in a working folder,
 * capturing stdout, stderr and the exit code. The jar and repository root come from the
 * failsafe system properties {@code caracal.jar} and {@code caracal.root}.
 */
final class CaracalProcess {
  /** Bound on one run: only a guard against hangs, not a performance check. */
  private static final long HANG_GUARD_SECONDS = 60;

  /** What one run printed and returned. */
  record Result(int exit, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  private CaracalProcess() {}

  static Path jar() {
    return Path.of(property("caracal.jar"));
  }

  static Path root() {
    return Path.of(property("caracal.root")).toAbsolutePath().normalize();
  }

  /**
   * The command that starts a short CLI run, as the `caracal` launcher does: C1 only, the serial
   * collector, and a class-data sharing archive of the jar (made once per build by a first run,
   * like the launcher's), which roughly halves the start-up that dominates these tests.
   */
  static List<String> cliCommand() {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
    archive().ifPresent(a -> command.addAll(List.of("-XX:SharedArchiveFile=" + a, "-Xshare:auto", "-Xlog:cds=off",
        "-Xlog:cds+dynamic=off")));
    command.addAll(List.of("-jar", jar().toString()));
    return command;
  }

  private static Optional<Path> archive;

  /** The jar's class-data archive next to it, dumped by a `policy lint` run when missing or older than the jar. */
  private static synchronized Optional<Path> archive() {
    if (archive != null) {
      return archive;
    }
    Path jsa = jar().resolveSibling("caracal-it.jsa");
    try {
      if (!Files.exists(jsa) || Files.getLastModifiedTime(jsa).compareTo(Files.getLastModifiedTime(jar())) < 0) {
        Path partial = Files.createTempFile(jar().getParent(), "caracal-it", ".jsa");
        Files.delete(partial);
        Process dump = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-XX:ArchiveClassesAtExit=" + partial, "-Xlog:cds=off", "-Xlog:cds+dynamic=off", "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC", "-jar", jar().toString(), "policy", "lint", root().resolve("examples/policies").toString())
            .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (dump.waitFor(HANG_GUARD_SECONDS, TimeUnit.SECONDS) && Files.exists(partial)) {
          Files.move(partial, jsa, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } else {
          dump.destroyForcibly();
          Files.deleteIfExists(partial);
        }
      }
      archive = Files.exists(jsa) ? Optional.of(jsa) : Optional.empty();
    } catch (IOException | InterruptedException e) {
      archive = Optional.empty(); // runs start without the archive, only slower
    }
    return archive;
  }

  static Result run(Path workDir, String... args) throws IOException, InterruptedException {
    return runWithInput(workDir, "", args);
  }

  static Result runWithInput(Path workDir, String stdin, String... args) throws IOException, InterruptedException {
    return run(Map.of(), workDir, stdin, args);
  }

  /** Runs against the server (or offline data) of {@code home}, as `CARACAL_HOME=home caracal ...`. */
  static Result runAt(Path home, Path workDir, String... args) throws IOException, InterruptedException {
    return run(Map.of("CARACAL_HOME", home.toString()), workDir, "", args);
  }

  /** As {@link #runAt(Path, Path, String...)} with more environment variables (say `CARACAL_SERVER_URL`). */
  static Result runAt(Path home, Map<String, String> env, Path workDir, String... args) throws IOException, InterruptedException {
    Map<String, String> all = new java.util.HashMap<>(env);
    all.put("CARACAL_HOME", home.toString());
    return run(all, workDir, "", args);
  }

  private static Result run(Map<String, String> env, Path workDir, String stdin, String... args)
      throws IOException, InterruptedException {
    List<String> command = cliCommand();
    command.addAll(List.of(args));
    Path out = Files.createTempFile("caracal-out", ".txt");
    Path err = Files.createTempFile("caracal-err", ".txt");
    try {
      ProcessBuilder builder = new ProcessBuilder(command)
          .directory(workDir.toFile())
          .redirectOutput(out.toFile())
          .redirectError(err.toFile());
      builder.environment().putAll(env);
      Process process = builder.start();
      try (OutputStream in = process.getOutputStream()) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      if (!process.waitFor(HANG_GUARD_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        fail("caracal " + String.join(" ", args) + " did not finish in " + HANG_GUARD_SECONDS + "s");
      }
      return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }

  /** Bad input must give a message, never a Java stack trace. */
  static void assertNoStackTrace(Result r) {
    for (String stream : List.of(r.out(), r.err())) {
      assertFalse(stream.contains("Exception"), () -> "stack trace or exception name printed:\n" + r);
      assertFalse(stream.contains("\tat "), () -> "stack trace printed:\n" + r);
    }
  }

  private static String property(String name) {
    String value = System.getProperty(name);
    if (value == null) {
      fail("system property `" + name + "` is not set (run with `./mvnw verify`)");
    }
    return value;
  }
}

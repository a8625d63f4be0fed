package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import picocli.CommandLine;

/**
 * {@code --help} on every command and subcommand of {@code caracal} prints its usage and exits 0,
 * even when the command has required options or parameters. Walks the picocli tree in process.
 */
final class HelpTreeTest {
  @TestFactory
  Stream<DynamicTest> help_onEveryCommand_printsUsageAndExitsZero() {
    return commandPaths(Caracal.commandLine(), new ArrayList<>()).stream()
        .map(path -> DynamicTest.dynamicTest("caracal " + String.join(" ", path) + " --help", () -> {
          StringWriter out = new StringWriter();
          StringWriter err = new StringWriter();
          CommandLine cmd = Caracal.commandLine();
          cmd.setOut(new PrintWriter(out));
          cmd.setErr(new PrintWriter(err));
          List<String> args = new ArrayList<>(path);
          args.add("--help");

          int exit = cmd.execute(args.toArray(String[]::new));

          String qualified = String.join(" ", Stream.concat(Stream.of("caracal"), path.stream()).toList());
          assertEquals(0, exit, () -> "exit of " + args + "\nstdout:\n" + out + "\nstderr:\n" + err);
          assertTrue(out.toString().lines().anyMatch(l -> l.startsWith("Usage: " + qualified)), () -> "usage of " + args + ":\n" + out);
          assertEquals("", err.toString(), () -> "stderr of " + args);
        }));
  }

  @Test
  void commandTree_reachesNestedSubcommands() {
    List<List<String>> paths = commandPaths(Caracal.commandLine(), new ArrayList<>());

    assertTrue(paths.contains(List.of("policy", "activate")), paths::toString);
    assertTrue(paths.contains(List.of("audit", "verify")), paths::toString);
    assertTrue(paths.size() > 40, () -> "only " + paths.size() + " commands: " + paths);
  }

  /** Every command's path below the root (the root itself is the empty path), parents first. */
  private static List<List<String>> commandPaths(CommandLine cmd, List<String> path) {
    List<List<String>> paths = new ArrayList<>();
    paths.add(List.copyOf(path));
    cmd.getCommandSpec().subcommands().forEach((name, sub) -> {
      if (!sub.getCommandSpec().name().equals(name)) {
        return; // an alias of a command walked under its own name
      }
      List<String> child = new ArrayList<>(path);
      child.add(name);
      paths.addAll(commandPaths(sub, child));
    });
    return paths;
  }
}

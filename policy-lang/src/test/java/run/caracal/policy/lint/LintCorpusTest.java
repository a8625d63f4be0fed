package run.caracal.policy.lint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import run.caracal.policy.BundleCompiler;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.diag.Code;
import run.caracal.policy.diag.Diagnostic;
import run.caracal.policy.source.SourceFile;

/**
 * The lint corpus: each folder under {@code lint-corpus/} holds policy files and an
 * {@code expected.txt} with the exact diagnostics that compiling and linting the folder gives,
 * each followed by the source line and a caret under the reported column. On a mismatch the
 * actual output is written to {@code target/lint-corpus/<case>.actual.txt}.
 */
final class LintCorpusTest {
  /** Bound on one case: only a guard against hangs, not a performance check. */
  private static final Duration HANG_GUARD = Duration.ofSeconds(20);
  private static final int SNIPPET = 100;
  /** Codes no lint rule reports yet (see the test report); every other code needs a failing case. */
  private static final Set<Code> NOT_REPORTED_YET = Set.of();

  static Stream<String> cases() throws IOException {
    try (Stream<Path> dirs = Files.list(corpus())) {
      return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void lint_corpusCase_reportsExactlyTheExpectedDiagnostics(String name) throws IOException {
    Path dir = corpus().resolve(name);
    List<SourceFile> files = read(dir);
    PolicyBundle bundle = assertTimeoutPreemptively(HANG_GUARD,
        () -> new Linter().lint(new BundleCompiler().compile(files)));
    String actual = render(bundle.diagnostics(), files);
    String expected = Files.readString(dir.resolve("expected.txt"), StandardCharsets.UTF_8);
    if (!expected.equals(actual)) {
      Path out = Path.of("target", "lint-corpus", name + ".actual.txt");
      Files.createDirectories(out.getParent());
      Files.writeString(out, actual, StandardCharsets.UTF_8);
    }
    assertEquals(expected, actual, "diagnostics of lint-corpus/" + name);
  }

  @Test
  void corpus_everyCode_hasAFailingCase() throws IOException {
    Set<String> reported = new TreeSet<>();
    for (String name : cases().toList()) {
      for (String line : Files.readAllLines(corpus().resolve(name).resolve("expected.txt"), StandardCharsets.UTF_8)) {
        String[] parts = line.split(" ");
        if (!line.startsWith(" ") && parts.length > 2) {
          reported.add(parts[2]);
        }
      }
    }
    List<String> missing = Arrays.stream(Code.values())
        .filter(c -> !NOT_REPORTED_YET.contains(c))
        .map(Code::id)
        .filter(id -> !reported.contains(id))
        .toList();
    assertTrue(missing.isEmpty(), "codes without a failing corpus case: " + missing);
  }

  @Test
  void corpus_everyCase_hasPolicyYamlAndExpectedTxt() throws IOException {
    for (String name : cases().toList()) {
      Path dir = corpus().resolve(name);
      assertTrue(Files.isRegularFile(dir.resolve("policy.yaml")), name + " has no policy.yaml");
      assertTrue(Files.isRegularFile(dir.resolve("expected.txt")), name + " has no expected.txt");
    }
  }

  /** Each diagnostic, then ` | ` + its source line, then ` | ` + dots and a caret at the column. */
  static String render(List<Diagnostic> diagnostics, List<SourceFile> files) {
    Map<String, SourceFile> byName = files.stream().collect(Collectors.toMap(SourceFile::name, Function.identity()));
    StringBuilder out = new StringBuilder();
    for (Diagnostic d : diagnostics) {
      out.append(d.format()).append('\n');
      String line = byName.get(d.position().file()).line(d.position().line());
      boolean cut = line.length() > SNIPPET;
      out.append(" |").append(line.isEmpty() ? "" : " " + (cut ? line.substring(0, SNIPPET) + "..." : line)).append('\n');
      int column = d.position().column();
      out.append(" | ").append(column <= SNIPPET + 1 ? ".".repeat(column - 1) + "^" : "(column " + column + ")").append('\n');
    }
    return out.toString();
  }

  /** Every yaml file of a case folder, named relative to it, in name order. */
  static List<SourceFile> read(Path dir) throws IOException {
    List<SourceFile> files = new ArrayList<>();
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.filter(Files::isRegularFile)
          .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList()) {
        String name = dir.relativize(p).toString().replace('\\', '/');
        files.add(new SourceFile(name, Files.readString(p, StandardCharsets.UTF_8)));
      }
    }
    return files;
  }

  private static Path corpus() {
    try {
      return Path.of(LintCorpusTest.class.getResource("/lint-corpus").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}

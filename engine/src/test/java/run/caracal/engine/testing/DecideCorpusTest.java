package run.caracal.engine.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import run.caracal.engine.Fixture;
import run.caracal.policy.BundleCompiler;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.source.SourceFile;

/**
 * The data-driven decision corpus (`src/test/resources/decide-corpus`): each folder holds
 * policies and PolicyTest documents; it must compile without errors and every case must pass.
 */
final class DecideCorpusTest {
  static Stream<String> cases() throws IOException {
    try (Stream<Path> dirs = Files.list(corpus())) {
      return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void run_corpusCase_everyTestPasses(String name) throws IOException {
    PolicyBundle bundle = new BundleCompiler().compile(read(corpus().resolve(name)));
    assertFalse(bundle.hasErrors(), () -> "decide-corpus/" + name + " does not compile: " + bundle.diagnostics());
    assertFalse(bundle.tests().isEmpty(), "decide-corpus/" + name + " has no PolicyTest");

    TestReport report = new PolicyTestRunner().run(bundle, Fixture.NOW);

    List<String> failures = report.cases().stream()
        .flatMap(c -> c.failures().stream().map(f -> c.testCase().name().value() + ": " + f)).toList();
    assertEquals(List.of(), failures, "decide-corpus/" + name);
    assertTrue(report.passed());
  }

  private static List<SourceFile> read(Path dir) throws IOException {
    List<SourceFile> files = new ArrayList<>();
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : list.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        files.add(new SourceFile(p.getFileName().toString(), Files.readString(p, StandardCharsets.UTF_8)));
      }
    }
    return files;
  }

  private static Path corpus() {
    try {
      return Path.of(DecideCorpusTest.class.getResource("/decide-corpus").toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}

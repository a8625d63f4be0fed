package run.caracal.cli.policy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import run.caracal.cli.UsageException;
import run.caracal.policy.BundleCompiler;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.lint.Linter;
import run.caracal.policy.source.SourceFile;

/** Finds policy files under the paths a user gives and reads them into a linted bundle. */
final class PolicySources {
  private static final long MAX_FILE_BYTES = 4L * 1024 * 1024;

  private PolicySources() {}

  /** Every `*.yaml`/`*.yml` file under the paths (files given directly are taken whatever their name). */
  static List<Path> collect(List<Path> paths) {
    TreeSet<Path> files = new TreeSet<>();
    for (Path path : paths) {
      if (!Files.exists(path)) {
        throw new UsageException("`" + path + "` does not exist");
      }
      if (Files.isRegularFile(path)) {
        files.add(path.normalize());
        continue;
      }
      try (Stream<Path> walk = Files.walk(path)) {
        walk.filter(Files::isRegularFile)
            .filter(p -> p.getFileName().toString().endsWith(".yaml") || p.getFileName().toString().endsWith(".yml"))
            .forEach(p -> files.add(p.normalize()));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list `" + path + "`", e);
      }
    }
    return new ArrayList<>(files);
  }

  static SourceFile read(Path file) {
    try {
      if (Files.size(file) > MAX_FILE_BYTES) {
        throw new UsageException("`" + file + "` is larger than " + MAX_FILE_BYTES / (1024 * 1024) + " MiB");
      }
      return new SourceFile(file.toString(), new String(Files.readAllBytes(file), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UsageException("cannot read `" + file + "`: " + e.getMessage());
    }
  }

  /** Reads, checks and lints every policy file under the paths. */
  static PolicyBundle load(List<Path> paths) {
    List<SourceFile> sources = collect(paths).stream().map(PolicySources::read).toList();
    if (sources.isEmpty()) {
      throw new UsageException("no `.yaml` or `.yml` files under " + paths);
    }
    return new Linter().lint(new BundleCompiler().compile(sources));
  }
}

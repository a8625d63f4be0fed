package run.caracal.cli.policy;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.policy.fmt.Formatter;
import run.caracal.policy.source.SourceFile;

/** `caracal policy fmt PATH... [--check]`. */
@Command(name = "fmt", mixinStandardHelpOptions = true,
    description = "Rewrite policy files in the canonical layout (comments are kept).",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:formatted (or already canonical with --check)", "1:--check found files to change, or a file is not valid YAML", "2:usage error"})
final class FmtCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "PATH", description = "Files or directories (searched for *.yaml, *.yml).")
  List<Path> paths;

  @Option(names = "--check", description = "Change nothing; list files that are not canonical and exit 1 if any.")
  boolean check;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Formatter formatter = new Formatter();
    int changed = 0;
    int invalid = 0;
    for (Path file : PolicySources.collect(paths)) {
      SourceFile source = PolicySources.read(file);
      Optional<String> formatted = formatter.format(source);
      if (formatted.isEmpty()) {
        err.println(file + ": not valid YAML, left unchanged (see `caracal policy lint`)");
        invalid++;
        continue;
      }
      if (formatted.get().equals(source.text())) {
        continue;
      }
      changed++;
      if (check) {
        out.println(file);
      } else {
        Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".caracal-fmt", ".tmp");
        Files.writeString(tmp, formatted.get(), StandardCharsets.UTF_8);
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        out.println("formatted " + file);
      }
    }
    out.flush();
    if (check && changed > 0) {
      err.println(changed + " file(s) would be reformatted (run `caracal policy fmt`)");
      return ExitCode.FINDINGS.code();
    }
    return invalid > 0 ? ExitCode.FINDINGS.code() : ExitCode.OK.code();
  }
}

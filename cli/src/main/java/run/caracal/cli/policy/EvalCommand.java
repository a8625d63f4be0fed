package run.caracal.cli.policy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.cli.UsageException;
import run.caracal.engine.compile.CompiledPolicySet;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.engine.decision.DecisionJson;
import run.caracal.engine.decision.Phase;
import run.caracal.engine.testing.InputReader;
import run.caracal.engine.testing.LocalPolicySet;
import run.caracal.policy.PolicyBundle;
import run.caracal.policy.diag.Diagnostic;

/** `caracal policy eval PATH... --set NAME --input FILE`. */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Decide one input with a policy set and print the decision and explanation as JSON.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:decided (allow, deny or approval_required)", "1:lint errors in the policies", "2:usage error or invalid input"})
final class EvalCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "PATH", description = "Files or directories (searched for *.yaml, *.yml).")
  List<Path> paths;

  @Option(names = "--set", required = true, paramLabel = "NAME", description = "The PolicySet to decide with.")
  String set;

  @Option(names = "--input", required = true, paramLabel = "FILE", description = "Decision input as JSON (`-` for stdin).")
  String input;

  @Option(names = "--phase", paramLabel = "PHASE", description = "Override request.phase: ${COMPLETION-CANDIDATES}.")
  Phase phase;

  @Override
  public Integer call() throws IOException {
    PolicyBundle bundle = PolicySources.load(paths);
    if (bundle.hasErrors()) {
      bundle.diagnostics().stream().filter(Diagnostic::isError).forEach(d -> spec.commandLine().getErr().println(d.format()));
      return ExitCode.FINDINGS.code();
    }
    CompiledPolicySet compiled;
    try {
      compiled = LocalPolicySet.compile(bundle, set);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    if (!input.equals("-") && !Files.isRegularFile(Path.of(input))) {
      throw new UsageException("input file `" + input + "` does not exist");
    }
    String json = input.equals("-")
        ? new String(System.in.readAllBytes(), StandardCharsets.UTF_8)
        : Files.readString(Path.of(input), StandardCharsets.UTF_8);
    DecisionInput decisionInput;
    try {
      decisionInput = new InputReader().fromJson(json, Instant.now());
    } catch (InputReader.InvalidInputException e) {
      throw new UsageException(input + ": " + e.getMessage());
    }
    if (phase != null) {
      decisionInput = decisionInput.withRequest(decisionInput.request().toBuilder().setPhase(phase.id()).build());
    }
    Decision decision = compiled.decide(decisionInput);
    spec.commandLine().getOut().println(DecisionJson.toPrettyString(decision));
    spec.commandLine().getOut().flush();
    return ExitCode.OK.code();
  }
}

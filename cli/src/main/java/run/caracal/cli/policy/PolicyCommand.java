package run.caracal.cli.policy;

import picocli.CommandLine.Command;

/** `caracal policy ...`: author, check and try policies locally. */
@Command(
    name = "policy",
    description = "Lint, test, format and evaluate policy files.",
    mixinStandardHelpOptions = true,
    subcommands = {LintCommand.class, TestCommand.class, FmtCommand.class, EvalCommand.class})
public final class PolicyCommand {}

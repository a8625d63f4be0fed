package run.caracal.cli.policy;

import picocli.CommandLine.Command;

/** `caracal policy ...`: author, check and try policies locally, then push and activate them on a server. */
@Command(
    name = "policy",
    description = "Lint, test, format and evaluate policy files; push, activate and review them on a server.",
    mixinStandardHelpOptions = true,
    subcommands = {LintCommand.class, TestCommand.class, FmtCommand.class, EvalCommand.class,
        PushCommand.class, ActivateCommand.class, HistoryCommand.class, SimulateCommand.class, ShadowReportCommand.class})
public final class PolicyCommand {}

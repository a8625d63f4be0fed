package run.caracal.cli.audit;

import picocli.CommandLine.Command;

/** `caracal audit ...`: list, tail, verify and export the ledger. */
@Command(
    name = "audit",
    description = "List, verify and export the ledger (the running server's, a database's, or an export file's).",
    mixinStandardHelpOptions = true,
    subcommands = {AuditListCommand.class, AuditTailCommand.class, AuditVerifyCommand.class, AuditExportCommand.class})
public final class AuditCommand {}

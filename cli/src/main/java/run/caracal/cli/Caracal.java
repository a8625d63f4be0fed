package run.caracal.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import run.caracal.cli.policy.PolicyCommand;

/** The `caracal` command. */
@Command(
    name = "caracal",
    mixinStandardHelpOptions = true,
    versionProvider = Caracal.Version.class,
    description = "Authority for AI agents: policies, tokens, gateway and ledger.",
    subcommands = {PolicyCommand.class, run.caracal.cli.admin.ZoneCommand.class, run.caracal.cli.admin.AppCommand.class, run.caracal.cli.admin.ResourceCommand.class, run.caracal.cli.admin.SessionCommand.class, run.caracal.cli.audit.ExplainCommand.class, run.caracal.cli.audit.TraceCommand.class, run.caracal.cli.audit.AuditCommand.class, run.caracal.cli.server.ServeCommand.class, run.caracal.cli.server.UpCommand.class, run.caracal.cli.server.DownCommand.class, run.caracal.cli.server.StatusCommand.class, run.caracal.cli.server.PurgeCommand.class, run.caracal.cli.runtime.SetupCommand.class, run.caracal.cli.runtime.RunCommand.class, run.caracal.cli.runtime.QuickstartCommand.class, run.caracal.cli.runtime.DemoUpstreamCommand.class, run.caracal.cli.console.ConsoleCommand.class, VersionCommand.class, CompletionCommand.class, CommandLine.HelpCommand.class})
public final class Caracal {
  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line: usage errors exit 2, unexpected failures 1 with one line. */
  public static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new Caracal());
    cmd.setCaseInsensitiveEnumValuesAllowed(true);
    cmd.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? ExitCode.USAGE.code() : ExitCode.FINDINGS.code());
    cmd.setParameterExceptionHandler((ex, args) -> {
      ex.getCommandLine().getErr().println("caracal: " + ex.getMessage());
      ex.getCommandLine().getErr().println("see `" + ex.getCommandLine().getCommandSpec().qualifiedName() + " --help`");
      return ExitCode.USAGE.code();
    });
    cmd.setExecutionExceptionHandler((ex, command, parsed) -> {
      if (ex instanceof UsageException) {
        command.getErr().println("caracal: " + ex.getMessage());
        return ExitCode.USAGE.code();
      }
      command.getErr().println("caracal: " + (ex.getMessage() == null ? ex.getClass().getSimpleName() : ex.getMessage()));
      return ExitCode.FINDINGS.code();
    });
    return cmd;
  }

  /** The version baked into the jar. */
  public static String version() {
    try (InputStream in = Caracal.class.getResourceAsStream("version.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Supplies `--version`. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"caracal " + version()};
    }
  }
}

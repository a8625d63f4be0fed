package run.caracal.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine;
import run.caracal.cli.admin.AdminClient;
import run.caracal.cli.admin.AppCommand;
import run.caracal.cli.admin.ApprovalsCommand;
import run.caracal.cli.admin.ApproverCommand;
import run.caracal.cli.admin.ResourceCommand;
import run.caracal.cli.admin.SessionCommand;
import run.caracal.cli.admin.ZoneCommand;
import run.caracal.cli.audit.AuditCommand;
import run.caracal.cli.audit.ExplainCommand;
import run.caracal.cli.audit.TraceCommand;
import run.caracal.cli.console.ConsoleCommand;
import run.caracal.cli.policy.PolicyCommand;
import run.caracal.cli.runtime.DemoUpstreamCommand;
import run.caracal.cli.runtime.QuickstartCommand;
import run.caracal.cli.runtime.RunCommand;
import run.caracal.cli.runtime.SetupCommand;
import run.caracal.cli.server.DownCommand;
import run.caracal.cli.server.PurgeCommand;
import run.caracal.cli.server.ServeCommand;
import run.caracal.cli.server.StatusCommand;
import run.caracal.cli.server.UpCommand;

/** The `caracal` command. */
@Command(
    name = "caracal",
    mixinStandardHelpOptions = true,
    versionProvider = Caracal.Version.class,
    description = "Authority for AI agents: policies, tokens, gateway and ledger.",
    subcommands = {PolicyCommand.class, ZoneCommand.class, AppCommand.class, ResourceCommand.class, SessionCommand.class, ApprovalsCommand.class, ApproverCommand.class, ExplainCommand.class, TraceCommand.class, AuditCommand.class, ServeCommand.class, UpCommand.class, DownCommand.class, StatusCommand.class, PurgeCommand.class, SetupCommand.class, RunCommand.class, QuickstartCommand.class, DemoUpstreamCommand.class, ConsoleCommand.class, VersionCommand.class, CompletionCommand.class, CommandLine.HelpCommand.class})
public final class Caracal {
  /** `--server URL` on any command: the admin and STS URL instead of the one found in `$CARACAL_HOME`. */
  @Option(names = "--server", paramLabel = "URL", scope = ScopeType.INHERIT,
      description = "Admin and STS URL of the Caracal server (or CARACAL_SERVER_URL; default: the control process recorded in $CARACAL_HOME).")
  void server(String url) {
    AdminClient.serverOption(url);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line: usage errors exit 2, unexpected failures 1 with one line. */
  public static CommandLine commandLine() {
    AdminClient.serverOption(null);
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

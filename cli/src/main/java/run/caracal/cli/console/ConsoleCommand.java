package run.caracal.cli.console;

import com.googlecode.lanterna.screen.Screen;
import com.googlecode.lanterna.screen.TerminalScreen;
import com.googlecode.lanterna.terminal.DefaultTerminalFactory;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.cli.admin.AdminClient;

/** `caracal console`: the full-screen terminal console over the running server's admin API. */
@Command(name = "console", mixinStandardHelpOptions = true,
    description = "Open the full-screen terminal console of the running server: guided setup; zones, apps, resources, "
        + "policies (source and lint), policy sets (activate, rollback, shadow) and sessions; audit with filters, explain "
        + "and trace; diagnostics (status, clock skew, ledger verification, policy lint).",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:closed with q", "1:the terminal failed", "2:no terminal, or no server found"})
public final class ConsoleCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--approver-token", paramLabel = "TOKEN",
      description = "Answer approvals (view 9) as this approver (`apv_...`, from `caracal approver add`; or set "
          + "CARACAL_APPROVER_TOKEN), so the ledger names them. Default: the admin token of $CARACAL_HOME (break-glass).")
  String approverToken;

  @Override
  public Integer call() throws IOException, InterruptedException {
    String term = System.getenv("TERM");
    if (System.console() == null || term == null || term.isBlank() || term.equals("dumb")) {
      spec.commandLine().getErr().println("caracal: the console needs a terminal (stdin and stdout a TTY, TERM set); "
          + "without one use `caracal status`, `caracal audit list`, `caracal explain ID` or `caracal zone list`");
      return ExitCode.USAGE.code();
    }
    AdminClient admin = AdminClient.fromHome();
    ConsoleApi api = new ConsoleApi(admin, AdminClient.approverToken(approverToken).map(admin::withToken).orElse(admin));
    DefaultTerminalFactory factory = new DefaultTerminalFactory().setForceTextTerminal(true);
    try (Screen screen = new TerminalScreen(factory.createTerminal())) {
      screen.startScreen();
      screen.setCursorPosition(null);
      new ConsoleScreen(screen, api).run();
    }
    return ExitCode.OK.code();
  }
}

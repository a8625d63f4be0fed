package run.caracal.cli.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.cli.UsageException;

/**
 * `caracal app ...`: confidential applications and their client secrets. A secret is shown once
 * (on stdout), or written to a 0600 file with `--secret-file` and then not shown at all.
 */
@Command(name = "app", mixinStandardHelpOptions = true,
    description = "Manage applications (the clients that open sessions and request tokens).",
    subcommands = {AppCommand.Create.class, AppCommand.ListApps.class, AppCommand.Get.class, AppCommand.RotateSecret.class,
        AppCommand.Enable.class, AppCommand.Disable.class, AppCommand.Delete.class})
public final class AppCommand {
  /** Where a newly issued secret goes. */
  static final class SecretOptions {
    @Option(names = "--secret-file", paramLabel = "PATH",
        description = "Write the client secret to this new file (mode 0600) instead of printing it.")
    Path secretFile;

    @Option(names = "--force", description = "Replace the --secret-file if it exists.")
    boolean force;

    /** The checked target, before the server issues anything; null when the secret is printed. */
    SecretFile target() {
      if (secretFile == null) {
        if (force) {
          throw new UsageException("--force only applies with --secret-file");
        }
        return null;
      }
      return new SecretFile(secretFile, force);
    }
  }

  /** `caracal app create NAME --zone Z`. */
  @Command(name = "create", mixinStandardHelpOptions = true, description = "Create an application and issue its client secret.")
  static final class Create implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Mixin
    SecretOptions secret;

    @Parameters(paramLabel = "NAME", description = "Unique in the zone: lowercase letters, digits, `-`, `_` or `.`.")
    String name;

    @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "Zone name or id.")
    String zone;

    @Option(names = "--label", paramLabel = "LABEL", description = "A label (`principal.labels` in policies); repeatable.")
    List<String> labels = new ArrayList<>();

    @Option(names = "--attribute", paramLabel = "KEY=VALUE", description = "An attribute (`principal.attributes`); repeatable.")
    Map<String, String> attributes = new LinkedHashMap<>();

    @Override
    public Integer call() {
      SecretFile target = secret.target();
      JsonNode app = AdminClient.fromHome().post(AdminPaths.apps(zone),
          Map.of("name", name, "labels", labels, "attributes", attributes));
      return issued(new AdminOutput(spec, output), (ObjectNode) app, target);
    }
  }

  /** `caracal app list --zone Z`. */
  @Command(name = "list", mixinStandardHelpOptions = true, description = "List the applications of a zone.")
  static final class ListApps implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Option(names = "--zone", required = true, paramLabel = "ZONE", description = "Zone name or id.")
    String zone;

    @Override
    public Integer call() {
      JsonNode apps = AdminClient.fromHome().get(AdminPaths.apps(zone));
      AdminOutput out = new AdminOutput(spec, output);
      if (out.isJson()) {
        out.json(apps);
        return ExitCode.OK.code();
      }
      List<List<String>> rows = new ArrayList<>();
      apps.forEach(a -> rows.add(List.of(a.path("id").asText(), a.path("name").asText(),
          a.path("enabled").asBoolean() ? "enabled" : "disabled", AdminOutput.text(a.get("labels")), a.path("created_at").asText())));
      out.table(List.of("ID", "NAME", "STATUS", "LABELS", "CREATED"), rows, "no applications in zone `" + zone + "`");
      return ExitCode.OK.code();
    }
  }

  /** `caracal app get ID`. */
  @Command(name = "get", mixinStandardHelpOptions = true, description = "Show an application.")
  static final class Get implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Parameters(paramLabel = "ID", description = "Application id (`app_...`).")
    String id;

    @Override
    public Integer call() {
      printApp(new AdminOutput(spec, output), AdminClient.fromHome().get(AdminPaths.app(id)));
      return ExitCode.OK.code();
    }
  }

  /** `caracal app rotate-secret ID`. */
  @Command(name = "rotate-secret", mixinStandardHelpOptions = true,
      description = "Issue a new client secret; the previous one keeps working for a grace period.")
  static final class RotateSecret implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Mixin
    SecretOptions secret;

    @Parameters(paramLabel = "ID", description = "Application id (`app_...`).")
    String id;

    @Option(names = "--grace-seconds", paramLabel = "N",
        description = "How long the previous secret stays valid (default: the server's, 24 hours; 0 ends it now).")
    Long graceSeconds;

    @Override
    public Integer call() {
      if (graceSeconds != null && graceSeconds < 0) {
        throw new UsageException("--grace-seconds must not be negative");
      }
      SecretFile target = secret.target();
      Map<String, Object> body = graceSeconds == null ? Map.of() : Map.of("grace_seconds", graceSeconds);
      JsonNode app = AdminClient.fromHome().post(AdminPaths.app(id) + "/rotate-secret", body);
      return issued(new AdminOutput(spec, output), (ObjectNode) app, target);
    }
  }

  /** `caracal app enable ID`. */
  @Command(name = "enable", mixinStandardHelpOptions = true, description = "Let a disabled application authenticate again.")
  static final class Enable implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Parameters(paramLabel = "ID", description = "Application id (`app_...`).")
    String id;

    @Override
    public Integer call() {
      printApp(new AdminOutput(spec, output), AdminClient.fromHome().post(AdminPaths.app(id) + "/enable", null));
      return ExitCode.OK.code();
    }
  }

  /** `caracal app disable ID`. */
  @Command(name = "disable", mixinStandardHelpOptions = true,
      description = "Refuse an application: its credentials at the STS and its existing tokens at the Gateway.")
  static final class Disable implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Parameters(paramLabel = "ID", description = "Application id (`app_...`).")
    String id;

    @Override
    public Integer call() {
      printApp(new AdminOutput(spec, output), AdminClient.fromHome().post(AdminPaths.app(id) + "/disable", null));
      return ExitCode.OK.code();
    }
  }

  /** `caracal app delete ID`. */
  @Command(name = "delete", mixinStandardHelpOptions = true,
      description = "Delete an application that never opened a session (otherwise disable it).")
  static final class Delete implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    OutputOptions output;

    @Parameters(paramLabel = "ID", description = "Application id (`app_...`).")
    String id;

    @Override
    public Integer call() {
      JsonNode result = AdminClient.fromHome().delete(AdminPaths.app(id));
      AdminOutput out = new AdminOutput(spec, output);
      if (out.isJson()) {
        out.json(result);
      } else {
        out.line("deleted app `" + id + "`");
      }
      return ExitCode.OK.code();
    }
  }

  /** Prints an app holding a fresh `client_secret`, or writes the secret to its file and leaves it out. */
  private static int issued(AdminOutput out, ObjectNode app, SecretFile target) {
    String clientSecret = app.path("client_secret").asText();
    if (target != null) {
      app.remove("client_secret");
      try {
        target.write(clientSecret);
      } catch (IOException e) {
        throw new IllegalStateException("the secret of app `" + app.path("id").asText() + "` was issued but could not be written to `"
            + target.path() + "` (" + e.getMessage() + "); issue another with `caracal app rotate-secret "
            + app.path("id").asText() + " --secret-file PATH`");
      }
      app.put("client_secret_file", target.path().toString());
    }
    printApp(out, app);
    if (!out.isJson()) {
      out.note(target != null
          ? "client secret written to `" + target.path() + "` (mode 0600)"
          : "store the client secret now: it is not shown again");
    }
    return ExitCode.OK.code();
  }

  private static void printApp(AdminOutput out, JsonNode app) {
    if (out.isJson()) {
      out.json(app);
      return;
    }
    out.fields(AdminOutput.fieldsOf(app));
  }
}

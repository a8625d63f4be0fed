package run.caracal.cli.console;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import run.caracal.cli.UsageException;
import run.caracal.cli.admin.ResourceSpecOptions;
import run.caracal.cli.runtime.SetupCommand;

/**
 * The guided setup form of the console, one step at a time: scenario → zone → app → resource →
 * scopes → upstream → provider credential (the provider-API scenario only) → access policy →
 * profile path → secret file path → review (with the "write profile files" toggle). Scenario,
 * zone and policy steps offer choices (the scenarios, existing zones, the zone's pushed policies)
 * that Tab cycles through; typing a new zone name creates it.
 * The view model: no terminal, no admin calls; {@link SetupCommand#guided} applies it.
 */
final class SetupForm {
  enum Step {
    SCENARIO("scenario (Tab cycles: internal-http, the Gateway forwards to your service; provider-api, it also injects "
        + "the provider's credential)"),
    ZONE("zone (Tab picks an existing one; a new name is created)"),
    APP("agent app name (a new confidential app)"),
    RESOURCE("resource id, e.g. resource://billing-api"),
    SCOPES("scopes the resource declares, comma-separated"),
    UPSTREAM("upstream URL the Gateway forwards to"),
    PROVIDER("provider credential file (the Gateway sends it as Authorization upstream; stored sealed, never shown)"),
    POLICY("access policy (Tab cycles: `starter` writes one for the app, or a policy the zone has)"),
    PROFILE("profile path"),
    SECRET_FILE("secret file path (mode 0600)"),
    REVIEW("review");

    final String question;

    Step(String question) {
      this.question = question;
    }
  }

  static final String STARTER = "starter";
  static final String INTERNAL_HTTP = "internal-http";
  static final String PROVIDER_API = "provider-api";

  private final Map<Step, String> values = new EnumMap<>(Step.class);
  private final Map<Step, List<String>> choices = new EnumMap<>(Step.class);
  private Step step = Step.SCENARIO;
  private Prompt input;
  private boolean writeFiles = true;

  SetupForm() {
    choices.put(Step.SCENARIO, List.of(INTERNAL_HTTP, PROVIDER_API));
    input = prefilled(Step.SCENARIO);
  }

  Step step() {
    return step;
  }

  /** 1-based number of the current step among the steps this scenario asks. */
  int number() {
    return (int) asked().stream().filter(s -> s.ordinal() <= step.ordinal()).count();
  }

  /** How many steps this scenario asks (the provider step only for provider APIs). */
  int steps() {
    return asked().size();
  }

  private List<Step> asked() {
    return Arrays.stream(Step.values()).filter(s -> s != Step.PROVIDER || providerApi()).toList();
  }

  Prompt input() {
    return input;
  }

  /** The choices Tab cycles through at a step: existing zones, or the zone's pushed policies. */
  void choices(Step s, List<String> options) {
    choices.put(s, List.copyOf(options));
  }

  List<String> choices(Step s) {
    return choices.getOrDefault(s, List.of());
  }

  /** Tab: replaces the input with the next choice after the one typed (the first when none matches). */
  void cycle() {
    List<String> options = new ArrayList<>(step == Step.POLICY ? List.of(STARTER) : List.of());
    choices(step).stream().filter(o -> !options.contains(o)).forEach(options::add);
    if (options.isEmpty()) {
      return;
    }
    int at = options.indexOf(input.value());
    input = filled(step, options.get((at + 1) % options.size()));
  }

  void type(char c) {
    input = input.type(c);
  }

  void backspace() {
    input = input.backspace();
  }

  /** Accepts the current step's input and moves on; the error to show when the input is not valid. */
  Optional<String> next() {
    if (step == Step.REVIEW) {
      return Optional.empty();
    }
    String value = input.value();
    Optional<String> error = validate(step, value);
    if (error.isEmpty() && step == Step.POLICY && !value.equals(STARTER) && !choices(Step.POLICY).contains(value)) {
      error = Optional.of("zone `" + zone() + "` has no policy `" + value + "`; Tab cycles through "
          + (choices(Step.POLICY).isEmpty() ? "`starter` (the zone has no pushed policies)" : "`starter` and its policies"));
    }
    if (error.isEmpty() && step == Step.SCENARIO && !choices(Step.SCENARIO).contains(value)) {
      error = Optional.of("the scenario is " + INTERNAL_HTTP + " or " + PROVIDER_API + " (Tab cycles)");
    }
    if (error.isPresent()) {
      return error;
    }
    values.put(step, value);
    step = skip(Step.values()[step.ordinal() + 1], 1);
    input = prefilled(step);
    return Optional.empty();
  }

  /** Back one step, keeping what was typed; false at the first step (the form is cancelled). */
  boolean back() {
    if (step == Step.SCENARIO) {
      return false;
    }
    step = skip(Step.values()[step.ordinal() - 1], -1);
    input = prefilled(step);
    return true;
  }

  /** The provider step is only asked in the provider-API scenario. */
  private Step skip(Step s, int direction) {
    return s == Step.PROVIDER && !providerApi() ? Step.values()[s.ordinal() + direction] : s;
  }

  boolean providerApi() {
    return values.getOrDefault(Step.SCENARIO, INTERNAL_HTTP).equals(PROVIDER_API);
  }

  /** The provider credential file, in the provider-API scenario. */
  Optional<Path> credentialFile() {
    return providerApi() && values.containsKey(Step.PROVIDER) ? Optional.of(Path.of(values.get(Step.PROVIDER))) : Optional.empty();
  }

  void toggleWriteFiles() {
    writeFiles = !writeFiles;
  }

  boolean writeFiles() {
    return writeFiles;
  }

  String zone() {
    return values.getOrDefault(Step.ZONE, "");
  }

  String app() {
    return values.getOrDefault(Step.APP, "");
  }

  String resourceId() {
    return values.getOrDefault(Step.RESOURCE, "");
  }

  List<String> scopes() {
    return parseScopes(values.getOrDefault(Step.SCOPES, ""));
  }

  /** The pushed policy to use instead of a starter, if one was picked. */
  Optional<String> existingPolicy() {
    String p = values.getOrDefault(Step.POLICY, STARTER);
    return p.equals(STARTER) ? Optional.empty() : Optional.of(p);
  }

  String upstream() {
    return values.getOrDefault(Step.UPSTREAM, "");
  }

  Path profile() {
    return Path.of(values.getOrDefault(Step.PROFILE, "./caracal.toml"));
  }

  Path secretFile() {
    return Path.of(values.getOrDefault(Step.SECRET_FILE, defaultSecret()));
  }

  /** The answers so far, one line each, for the steps before the current one. */
  List<String> answered() {
    List<String> out = new ArrayList<>();
    for (Step s : Step.values()) {
      if (s.ordinal() >= step.ordinal() || s == Step.REVIEW) {
        break;
      }
      if (s == Step.PROVIDER && !providerApi()) {
        out.add(String.format("%-13s %s", label(s) + ":", "skipped for the internal HTTP API scenario"));
        continue;
      }
      out.add(String.format("%-13s %s", label(s) + ":", values.get(s)));
    }
    return out;
  }

  /** The review screen. */
  List<String> review() {
    List<String> out = new ArrayList<>();
    out.add("zone:         " + zone());
    out.add("app:          " + app() + " (new; its secret is shown once or written to the secret file)");
    out.add("resource:     " + resourceId() + "  scopes " + String.join(",", scopes()));
    out.add("scenario:     " + (providerApi() ? "provider API (the Gateway injects the provider credential)" : "internal HTTP API"));
    out.add("upstream:     " + upstream());
    credentialFile().ifPresent(f -> out.add("provider:     credential from " + f + " (stored sealed; the agent never sees it)"));
    out.add("policy:       " + existingPolicy().map(p -> p + " (pushed earlier), in set `default`, activated")
        .orElse(app() + "-starter (allows the app the declared scopes), in set `default`, activated"));
    out.add("");
    out.add("[" + (writeFiles ? "x" : " ") + "] write profile files (w toggles)");
    if (writeFiles) {
      out.add("    profile:      " + profile());
      out.add("    secret file:  " + secretFile() + " (mode 0600)");
    } else {
      out.add("    no files: the app secret is shown once on the result view");
    }
    out.add("");
    out.add("Enter applies, Esc goes back");
    return out;
  }

  /**
   * The result view: ids, the active set, paths, the generated profile and the first commands.
   * The secret appears only when no secret file was written, with where to save it.
   */
  static List<String> result(SetupCommand.Result r, String app, Optional<String> oneTimeSecret) {
    List<String> out = new ArrayList<>();
    out.add("setup complete");
    out.add("  zone:         " + r.zoneName() + " (" + r.zoneId() + ")");
    out.add("  app:          " + app + " (" + r.appId() + ")");
    out.add("  resource:     " + r.resourceId());
    out.add("  policy set:   " + r.policySet() + " v" + r.setVersion() + " (active)");
    if (r.written()) {
      out.add("  profile:      " + r.profile());
      out.add("  secret file:  " + r.secretFile() + " (mode 0600, shown nowhere else)");
    } else {
      out.add("  profile:      not written: save the profile below as " + r.profile());
      out.add("  secret file:  not written: save the app secret as " + r.secretFile() + ", then chmod 600 it");
      oneTimeSecret.ifPresent(s -> {
        out.add("");
        out.add("  app secret:   " + s);
        out.add("  shown this once only: store it now; leaving this view forgets it");
      });
    }
    out.add("");
    out.add("first request:");
    out.add("  " + SetupCommand.firstRequest(r));
    out.add("or by hand, with a token in $TOKEN:");
    out.add("  curl -H \"Authorization: Bearer $TOKEN\" -H \"X-Caracal-Resource: " + r.resourceId() + "\" " + r.gatewayUrl()
        + r.firstPath());
    out.add("");
    out.add("generated profile" + (r.written() ? " (written to " + r.profile() + ")" : "") + ":");
    r.profileText().lines().forEach(l -> out.add("  " + l));
    return out;
  }

  static List<String> parseScopes(String text) {
    return Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty()).distinct().toList();
  }

  static Optional<String> validate(Step step, String value) {
    if (value.isEmpty()) {
      return Optional.of(label(step) + " is required");
    }
    return switch (step) {
      case ZONE, APP -> value.matches("[A-Za-z0-9][A-Za-z0-9._-]*") ? Optional.empty()
          : Optional.of(label(step) + " may hold letters, digits, '.', '_' and '-' only");
      case RESOURCE -> value.contains(" ") ? Optional.of("a resource id has no spaces") : Optional.empty();
      case SCOPES -> parseScopes(value).isEmpty() ? Optional.of("give at least one scope")
          : parseScopes(value).stream().anyMatch(s -> s.contains(" ")) ? Optional.of("a scope has no spaces") : Optional.empty();
      case UPSTREAM -> value.matches("https?://\\S+") ? Optional.empty() : Optional.of("the upstream is an http:// or https:// URL");
      case PROVIDER -> credentialProblem(value);
      default -> Optional.empty();
    };
  }

  /** What `caracal resource create --credential-file` would say of the file: missing, empty, too large or unreadable. */
  private static Optional<String> credentialProblem(String file) {
    try {
      ResourceSpecOptions.credential(Path.of(file));
      return Optional.empty();
    } catch (UsageException | InvalidPathException e) {
      return Optional.of(e.getMessage());
    }
  }

  private static String label(Step s) {
    return switch (s) {
      case SCENARIO -> "scenario";
      case ZONE -> "zone";
      case APP -> "app";
      case RESOURCE -> "resource";
      case SCOPES -> "scopes";
      case UPSTREAM -> "upstream";
      case PROVIDER -> "provider";
      case POLICY -> "policy";
      case PROFILE -> "profile";
      case SECRET_FILE -> "secret file";
      case REVIEW -> "review";
    };
  }

  private String defaultSecret() {
    return "./" + (app().isEmpty() ? "app" : app()) + ".secret";
  }

  private Prompt prefilled(Step s) {
    String value = values.getOrDefault(s, switch (s) {
      case SCENARIO -> INTERNAL_HTTP;
      case ZONE -> "default";
      case POLICY -> STARTER;
      case PROFILE -> "./caracal.toml";
      case SECRET_FILE -> defaultSecret();
      default -> "";
    });
    return filled(s, value);
  }

  private static Prompt filled(Step s, String value) {
    Prompt p = Prompt.of(s.question);
    for (char c : value.toCharArray()) {
      p = p.type(c);
    }
    return p;
  }
}

package run.caracal.cli.console;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import run.caracal.cli.runtime.SetupCommand;

/**
 * The guided setup form of the console, one step at a time: zone → app → resource → scopes →
 * upstream → access policy → profile path → secret file path → review (with the "write profile
 * files" toggle). Zone and policy steps offer choices (existing zones, the zone's pushed
 * policies) that Tab cycles through; typing a new zone name creates it.
 * The view model: no terminal, no admin calls; {@link SetupCommand#guided} applies it.
 */
final class SetupForm {
  enum Step {
    ZONE("zone (Tab picks an existing one; a new name is created)"),
    APP("agent app name (a new confidential app)"),
    RESOURCE("resource id, e.g. resource://billing-api"),
    SCOPES("scopes the resource declares, comma-separated"),
    UPSTREAM("upstream URL the Gateway forwards to"),
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

  private final Map<Step, String> values = new EnumMap<>(Step.class);
  private final Map<Step, List<String>> choices = new EnumMap<>(Step.class);
  private Step step = Step.ZONE;
  private Prompt input;
  private boolean writeFiles = true;

  SetupForm() {
    input = prefilled(Step.ZONE);
  }

  Step step() {
    return step;
  }

  /** 1-based number of the current step, of {@link #steps()}. */
  int number() {
    return step.ordinal() + 1;
  }

  static int steps() {
    return Step.values().length;
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
    if (error.isPresent()) {
      return error;
    }
    values.put(step, value);
    step = Step.values()[step.ordinal() + 1];
    input = prefilled(step);
    return Optional.empty();
  }

  /** Back one step, keeping what was typed; false at the first step (the form is cancelled). */
  boolean back() {
    if (step == Step.ZONE) {
      return false;
    }
    step = Step.values()[step.ordinal() - 1];
    input = prefilled(step);
    return true;
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
    out.add("upstream:     " + upstream());
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

  /** The result view; the secret appears only when no secret file was written. */
  static List<String> result(SetupCommand.Result r, String app, Optional<String> oneTimeSecret) {
    List<String> out = new ArrayList<>();
    out.add("setup complete");
    out.add("  zone:         " + r.zoneName() + " (" + r.zoneId() + ")");
    out.add("  app:          " + app + " (" + r.appId() + ")");
    out.add("  resource:     " + r.resourceId());
    out.add("  policy set:   " + r.policySet() + " v" + r.setVersion() + " (active)");
    if (r.profile() != null) {
      out.add("  profile:      " + r.profile());
      out.add("  secret file:  " + r.secretFile() + " (mode 0600, shown nowhere else)");
      out.add("");
      out.add("first request:");
      out.add("  " + SetupCommand.firstRequest(r));
    } else {
      out.add("  profile:      not written");
      out.add("  secret file:  not written");
      oneTimeSecret.ifPresent(s -> {
        out.add("");
        out.add("  app secret:   " + s);
        out.add("  shown this once only: store it now; leaving this view forgets it");
      });
      out.add("");
      out.add("first request, with a token for the app (from the STS, with its id and this secret) in $TOKEN:");
      out.add("  curl -H \"Authorization: Bearer $TOKEN\" -H \"X-Caracal-Resource: " + r.resourceId() + "\" " + r.gatewayUrl()
          + r.firstPath());
      return out;
    }
    out.add("or by hand, with a token in $TOKEN:");
    out.add("  curl -H \"Authorization: Bearer $TOKEN\" -H \"X-Caracal-Resource: " + r.resourceId() + "\" " + r.gatewayUrl()
        + r.firstPath());
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
      default -> Optional.empty();
    };
  }

  private static String label(Step s) {
    return switch (s) {
      case ZONE -> "zone";
      case APP -> "app";
      case RESOURCE -> "resource";
      case SCOPES -> "scopes";
      case UPSTREAM -> "upstream";
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

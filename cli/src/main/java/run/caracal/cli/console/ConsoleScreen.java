package run.caracal.cli.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.Screen;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import run.caracal.cli.admin.AdminClient;
import run.caracal.cli.audit.Explanations;
import run.caracal.cli.runtime.SetupCommand;

/**
 * The full-screen loop: reads keys, refreshes the audit list every two seconds, and redraws on
 * every change, including a terminal resize. Lists live in {@link Selection}s, panels in
 * {@link Scroll}s; every view but zones, audit and diagnostics shows the current zone (picked with z).
 */
final class ConsoleScreen {
  private static final long AUDIT_REFRESH_MILLIS = 2_000;
  private static final int AUDIT_LIMIT = 50;
  private static final List<String> HELP = List.of(
      "z            pick the current zone (Enter picks, Esc keeps the current one)",
      "1 or Z       zones: list; Enter opens a zone (apps, resources, active policy set)",
      "2            apps of the current zone; Enter shows one",
      "3            resources of the current zone; Enter shows one",
      "4 or p       policies: every version; Enter shows the source with line numbers and lint findings",
      "5 or P       policy sets: every version, which is active and which is shadow; Enter shows the manifest",
      "             A activates the selected version, H makes it the shadow candidate,",
      "             R rolls back to the version active before, C clears the shadow (each asks y/n),",
      "             I shows the impact: the last 24 h of recorded decisions replayed against the selected version",
      "6 or S       sessions of the current zone as a delegation tree; x terminates one (asks y/n)",
      "9            approvals of the current zone waiting for a person; Enter shows one, y approves, n denies (each asks y/n)",
      "7 or a       audit: the newest ledger events, refreshed every 2 s; Enter explains, t traces",
      "             f filters (decision=deny type=gateway.* app=ID resource=ID zone=NAME since=15m), F clears",
      "/ or e       type or paste a request id, Enter explains it (Esc cancels)",
      "s            guided setup: scenario, zone, app, resource, scopes, upstream, provider credential, policy, files, review",
      "8 or d       diagnostics: status, clock skew, ledger chain verification, lint of the active sets",
      "Up/Down      move; PgUp/PgDn scroll a page; Tab in setup cycles the choices",
      "Esc          back from a panel; in setup one step back (at the first step it cancels)",
      "?            this help (any key closes it)",
      "q            quit",
      "",
      "The same without a terminal: caracal zone list, caracal app list, caracal resource list, caracal policy history,",
      "caracal policy activate, caracal audit list, caracal explain ID, caracal trace ID, caracal session list,",
      "caracal audit verify, caracal status");
  private static final String MENU = "z zone | 1 zones 2 apps 3 resources 4 policies 5 sets 6 sessions 7 audit 8 diagnostics 9 approvals"
      + " | s setup / explain ? help q quit";
  private static final String SHORT_MENU = "z zone | 1-9 views | s setup | ? help | q quit";

  private enum View {
    ZONES("zones", "Enter opens", ConsoleText.ZONE_HEADER),
    APPS("apps", "Enter shows one", ConsoleText.APP_HEADER),
    RESOURCES("resources", "Enter shows one", ConsoleText.RESOURCE_HEADER),
    POLICIES("policies", "Enter shows source and lint", PolicyText.POLICY_HEADER),
    SETS("policy sets", "Enter manifest; I impact; A activate, H shadow, R rollback, C clear shadow", PolicySetText.SET_HEADER),
    SESSIONS("sessions", "x terminates", SessionTree.HEADER),
    AUDIT("audit", "", ""),
    DIAGNOSTICS("diagnostics", "", ""),
    APPROVALS("pending approvals", "Enter shows one; y approves, n denies", ConsoleText.APPROVAL_HEADER);

    final String name;
    final String hint;
    final String header;

    View(String name, String hint, String header) {
      this.name = name;
      this.hint = hint;
      this.header = header;
    }

    boolean zoned() {
      return this == APPS || this == RESOURCES || this == POLICIES || this == SETS || this == SESSIONS || this == APPROVALS;
    }
  }

  /** A y/n question before a change; the action returns the message shown after it. */
  private record Confirm(String question, Supplier<String> action) {}

  private final Screen screen;
  private final ConsoleApi api;
  private View view = View.ZONES;
  private final Map<View, Selection> lists = new EnumMap<>(View.class);
  private String zone = "";
  private Optional<Selection> picker = Optional.empty();
  private List<JsonNode> events = List.of();
  private JsonNode apps = AdminClient.JSON.createArrayNode();
  private JsonNode resources = AdminClient.JSON.createArrayNode();
  private JsonNode approvals = AdminClient.JSON.createArrayNode();
  private JsonNode policies = AdminClient.JSON.createObjectNode();
  private String auditHeader = "";
  private AuditFilter filter = AuditFilter.NONE;
  private Optional<Scroll> panel = Optional.empty();
  private Scroll diagnostics = Scroll.of("diagnostics", List.of());
  private boolean help;
  private Optional<Prompt> prompt = Optional.empty();
  private boolean filterPrompt;
  private Optional<Confirm> confirm = Optional.empty();
  private Optional<SetupForm> setup = Optional.empty();
  private String panelRequest = "";
  private String message = "";
  private long lastAuditRefresh;
  private boolean refreshFailed;

  ConsoleScreen(Screen screen, ConsoleApi api) {
    this.screen = screen;
    this.api = api;
    for (View v : View.values()) {
      lists.put(v, Selection.empty());
    }
  }

  void run() throws IOException, InterruptedException {
    load(View.ZONES);
    draw();
    while (true) {
      KeyStroke key = screen.pollInput();
      boolean dirty = screen.doResizeIfNecessary() != null;
      if (key != null) {
        if (key.getKeyType() == KeyType.EOF || (!modal() && isChar(key, 'q'))) {
          return;
        }
        handle(key);
        dirty = true;
      } else if (view == View.AUDIT && panel.isEmpty() && System.currentTimeMillis() - lastAuditRefresh >= AUDIT_REFRESH_MILLIS) {
        refreshAudit();
        dirty = true;
      } else if (!dirty) {
        Thread.sleep(40);
      }
      if (dirty) {
        draw();
      }
    }
  }

  /** True while a key goes to something other than the view: help, a prompt, a question, setup or the zone picker. */
  private boolean modal() {
    return help || prompt.isPresent() || confirm.isPresent() || setup.isPresent() || picker.isPresent();
  }

  private void handle(KeyStroke key) {
    if (help) {
      help = false;
    } else if (prompt.isPresent()) {
      typeIntoPrompt(key);
    } else if (setup.isPresent()) {
      typeIntoSetup(setup.get(), key);
    } else if (confirm.isPresent()) {
      Confirm c = confirm.get();
      confirm = Optional.empty();
      message = isChar(key, 'y') || isChar(key, 'Y') ? attempt(c.action()) : "cancelled: nothing changed";
    } else if (picker.isPresent()) {
      pick(key);
    } else if (!viewKey(key)) {
      navigate(key);
    }
  }

  /** Keys that switch views or start something; false when the key is not one of them. */
  private boolean viewKey(KeyStroke key) {
    if (key.getKeyType() != KeyType.Character) {
      return false;
    }
    char c = key.getCharacter();
    Optional<View> target = switch (c) {
      case '1', 'Z' -> Optional.of(View.ZONES);
      case '2' -> Optional.of(View.APPS);
      case '3' -> Optional.of(View.RESOURCES);
      case '4', 'p' -> Optional.of(View.POLICIES);
      case '5', 'P' -> Optional.of(View.SETS);
      case '6', 'S' -> Optional.of(View.SESSIONS);
      case '7', 'a' -> Optional.of(View.AUDIT);
      case '8', 'd' -> Optional.of(View.DIAGNOSTICS);
      case '9' -> Optional.of(View.APPROVALS);
      default -> Optional.empty();
    };
    if (target.isPresent()) {
      show(target.get());
      return true;
    }
    switch (c) {
      case '?' -> help = true;
      case 'z' -> openPicker();
      case 's' -> startSetup();
      case '/', 'e' -> prompt = Optional.of(Prompt.of("request id to explain (Enter explains, Esc cancels)"));
      case 't' -> trace();
      case 'f' -> {
        if (view == View.AUDIT && panel.isEmpty()) {
          Prompt p = Prompt.of("filter (" + String.join("=, ", AuditFilter.KEYS) + "=; Enter applies, Esc cancels)");
          for (char ch : filter.text().toCharArray()) {
            p = p.type(ch);
          }
          prompt = Optional.of(p);
          filterPrompt = true;
        }
      }
      case 'F' -> {
        if (view == View.AUDIT) {
          filter = AuditFilter.NONE;
          load(View.AUDIT);
        }
      }
      case 'x' -> askTerminate();
      case 'y' -> askAnswer(true);
      case 'n' -> askAnswer(false);
      case 'A' -> askActivate(false);
      case 'H' -> askActivate(true);
      case 'R' -> askRollback();
      case 'C' -> askClearShadow();
      case 'I' -> impact();
      default -> {
        return false;
      }
    }
    return true;
  }

  private void navigate(KeyStroke key) {
    int page = Math.max(1, bodyHeight() - 1);
    switch (key.getKeyType()) {
      case Escape -> {
        panel = Optional.empty();
        panelRequest = "";
      }
      case ArrowUp -> move(-1);
      case ArrowDown -> move(1);
      case PageUp -> move(-page);
      case PageDown -> move(page);
      case Enter -> open();
      default -> { }
    }
  }

  private void show(View target) {
    view = target;
    panel = Optional.empty();
    panelRequest = "";
    if (target.zoned() && zone.isEmpty()) {
      lists.put(target, Selection.empty());
      message = "no zone yet: run guided setup (s) or create one with `caracal zone create`";
      return;
    }
    load(target);
  }

  private void move(int delta) {
    if (panel.isPresent()) {
      panel = Optional.of(panel.get().by(delta, bodyHeight() - 1));
    } else if (view == View.DIAGNOSTICS) {
      diagnostics = diagnostics.by(delta, bodyHeight());
    } else {
      lists.put(view, lists.get(view).move(delta));
    }
  }

  private void open() {
    Selection s = lists.get(view);
    if (panel.isPresent() || s.isEmpty()) {
      return;
    }
    String key = s.selectedKey();
    try {
      switch (view) {
        case ZONES -> panel = Optional.of(Scroll.of("zone " + key, api.zoneDetail(key)));
        case APPS -> panel = Optional.of(Scroll.of("app " + key, ConsoleText.detail(find(apps, "id", key))));
        case RESOURCES -> panel = Optional.of(Scroll.of("resource " + key, ConsoleText.detail(find(resources, "id", key))));
        case APPROVALS -> panel = Optional.of(Scroll.of("approval " + key, ConsoleText.detail(find(approvals, "id", key))));
        case POLICIES -> {
          PolicySetText.SetVersion v = PolicySetText.SetVersion.parse(key);
          JsonNode p = api.policy(zone, v.name(), v.version());
          String source = p.path("source").asText();
          panel = Optional.of(Scroll.of("policy " + v + " of zone " + zone, PolicyText.numbered(source,
              PolicyText.lint(v.key(), source, api.resources(zone)))));
        }
        case SETS -> panel = Optional.of(Scroll.of("policy set " + PolicySetText.SetVersion.parse(key) + " of zone " + zone,
            PolicySetText.detail(PolicySetText.find(policies, key).orElseThrow(), api.zone(zone), api.history(zone))));
        case AUDIT -> {
          String requestId = selectedRequest();
          if (requestId.isEmpty()) {
            message = "this event has no request id to explain";
            return;
          }
          explain(requestId);
        }
        default -> { }
      }
      message = "";
    } catch (RuntimeException e) {
      message = oneLine(e);
    }
  }

  private static JsonNode find(JsonNode list, String field, String value) {
    for (JsonNode n : list) {
      if (n.path(field).asText().equals(value)) {
        return n;
      }
    }
    return AdminClient.JSON.createObjectNode();
  }

  private void explain(String requestId) {
    panel = Optional.of(Scroll.of("explain " + requestId + "   [t] trace", api.explain(requestId)
        .orElse(List.of("no ledger event has request id `" + requestId + "`"))));
    panelRequest = requestId;
  }

  /** The trace of the request in the explain panel, else of the selected audit event. */
  private void trace() {
    String requestId = panel.isPresent() ? panelRequest
        : view == View.AUDIT && !lists.get(View.AUDIT).isEmpty() ? selectedRequest() : "";
    if (requestId.isEmpty()) {
      message = "select an audit event (or explain a request) to see its trace";
      return;
    }
    try {
      panel = Optional.of(Scroll.of("trace of request " + requestId, api.trace(requestId)
          .orElse(List.of("no ledger event has request id `" + requestId + "`"))));
      panelRequest = "";
      message = "";
    } catch (RuntimeException e) {
      message = oneLine(e);
    }
  }

  private String selectedRequest() {
    JsonNode event = events.get(lists.get(View.AUDIT).selected());
    return event.path("request_id").isTextual() ? event.path("request_id").asText() : "";
  }

  private void typeIntoPrompt(KeyStroke key) {
    Prompt p = prompt.get();
    switch (key.getKeyType()) {
      case Escape -> {
        prompt = Optional.empty();
        filterPrompt = false;
      }
      case Backspace -> prompt = Optional.of(p.backspace());
      case Character -> prompt = Optional.of(p.type(key.getCharacter()));
      case Enter -> {
        prompt = Optional.empty();
        if (filterPrompt) {
          filterPrompt = false;
          applyFilter(p.value());
        } else if (!p.value().isEmpty()) {
          try {
            explain(p.value());
            message = "";
          } catch (RuntimeException e) {
            message = oneLine(e);
          }
        }
      }
      default -> { }
    }
  }

  private void applyFilter(String text) {
    try {
      filter = AuditFilter.parse(text, Instant.now());
      lists.put(View.AUDIT, Selection.empty());
      load(View.AUDIT);
    } catch (IllegalArgumentException e) {
      message = "filter not applied: " + e.getMessage();
    }
  }

  // zone picker

  private void openPicker() {
    try {
      JsonNode list = api.zones();
      List<String> keys = new ArrayList<>();
      list.forEach(z -> keys.add(z.path("name").asText()));
      if (keys.isEmpty()) {
        message = "no zones yet: run guided setup (s) or create one with `caracal zone create`";
        return;
      }
      Selection s = Selection.of(ConsoleText.zoneRows(list), keys);
      picker = Optional.of(s.move(Math.max(0, keys.indexOf(zone))));
    } catch (RuntimeException e) {
      message = oneLine(e);
    }
  }

  private void pick(KeyStroke key) {
    Selection s = picker.get();
    switch (key.getKeyType()) {
      case Escape -> picker = Optional.empty();
      case ArrowUp -> picker = Optional.of(s.move(-1));
      case ArrowDown -> picker = Optional.of(s.move(1));
      case Enter -> {
        picker = Optional.empty();
        zone = s.selectedKey();
        message = "current zone: " + zone;
        if (view.zoned()) {
          lists.put(view, Selection.empty());
          show(view);
          message = "current zone: " + zone;
        }
      }
      default -> { }
    }
  }

  // changes, each behind a y/n question

  /** y or n on a pending approval: asks again (y/n), then answers it as the console's approver (else the admin). */
  private void askAnswer(boolean approve) {
    if (view != View.APPROVALS || panel.isPresent()) {
      return;
    }
    Selection s = lists.get(View.APPROVALS);
    if (s.isEmpty()) {
      message = "no approval selected";
      return;
    }
    String id = s.selectedKey();
    confirm = Optional.of(new Confirm((approve ? "approve " : "deny ") + id + ": " + ConsoleText.approvalSummary(approvals, id) + "?", () -> {
      JsonNode answered = api.answerApproval(id, approve);
      load(View.APPROVALS);
      String by = answered.path("decided_by").asText("");
      return id + " is " + answered.path("state").asText() + (by.isEmpty() ? "" : " by " + by)
          + (approve ? ": the identical request goes through" : "");
    }));
  }

  private void askTerminate() {
    if (view != View.SESSIONS || panel.isPresent()) {
      return;
    }
    Selection s = lists.get(View.SESSIONS);
    if (s.isEmpty()) {
      message = "no session selected";
      return;
    }
    String id = s.selectedKey();
    confirm = Optional.of(new Confirm("terminate session " + id + " and its delegations?", () -> {
      api.terminateSession(id);
      load(View.SESSIONS);
      return "terminated " + id;
    }));
  }

  private void askActivate(boolean shadow) {
    if (view != View.SETS || panel.isPresent() || lists.get(View.SETS).isEmpty()) {
      return;
    }
    PolicySetText.SetVersion v = PolicySetText.SetVersion.parse(lists.get(View.SETS).selectedKey());
    String z = zone;
    confirm = Optional.of(new Confirm((shadow ? "shadow " + v + " beside the active set" : "activate " + v)
        + " in zone " + z + "?", () -> {
          api.activate(z, v.name(), v.version(), shadow);
          load(View.SETS);
          return (shadow ? "shadowing " : "activated ") + v + " in zone " + z;
        }));
  }

  /** The selected set version against the zone's last 24 h of recorded decisions, as `policy simulate` reports it. */
  private void impact() {
    if (view != View.SETS || panel.isPresent() || lists.get(View.SETS).isEmpty()) {
      return;
    }
    PolicySetText.SetVersion v = PolicySetText.SetVersion.parse(lists.get(View.SETS).selectedKey());
    try {
      panel = Optional.of(Scroll.of("impact of " + v + " on zone " + zone + ", last 24 h", api.impact(zone, v.name(), v.version())));
      message = "";
    } catch (IOException | RuntimeException e) {
      message = oneLine(e);
    }
  }

  private void askRollback() {
    if (view != View.SETS || panel.isPresent()) {
      return;
    }
    String z = zone;
    try {
      Optional<PolicySetText.SetVersion> target = PolicySetText.rollbackTarget(api.history(z));
      if (target.isEmpty()) {
        message = "nothing to roll back to: no other set version was ever active in zone " + z;
        return;
      }
      PolicySetText.SetVersion v = target.get();
      Optional<PolicySetText.SetVersion> now = PolicySetText.SetVersion.of(api.zone(z).path("active_policy_set"));
      confirm = Optional.of(new Confirm("roll back zone " + z + " from " + now.map(Object::toString).orElse("none") + " to " + v + "?",
          () -> {
            api.activate(z, v.name(), v.version(), false);
            load(View.SETS);
            return "rolled back zone " + z + " to " + v;
          }));
    } catch (RuntimeException e) {
      message = oneLine(e);
    }
  }

  private void askClearShadow() {
    if (view != View.SETS || panel.isPresent()) {
      return;
    }
    String z = zone;
    confirm = Optional.of(new Confirm("stop shadow evaluation in zone " + z + "?", () -> {
      api.clearShadow(z);
      load(View.SETS);
      return "cleared the shadow set of zone " + z;
    }));
  }

  private String attempt(Supplier<String> action) {
    try {
      return action.get();
    } catch (RuntimeException e) {
      return oneLine(e);
    }
  }

  // guided setup

  private void startSetup() {
    panel = Optional.empty();
    SetupForm form = new SetupForm();
    try {
      List<String> names = new ArrayList<>();
      api.zones().forEach(z -> names.add(z.path("name").asText()));
      form.choices(SetupForm.Step.ZONE, names);
    } catch (RuntimeException e) {
      message = oneLine(e);
      return;
    }
    setup = Optional.of(form);
    message = "";
  }

  private void typeIntoSetup(SetupForm form, KeyStroke key) {
    if (key.getKeyType() == KeyType.Escape) {
      if (!form.back()) {
        setup = Optional.empty();
        message = "setup cancelled: nothing changed";
      }
      return;
    }
    if (form.step() == SetupForm.Step.REVIEW) {
      if (isChar(key, 'w') || isChar(key, ' ')) {
        form.toggleWriteFiles();
      } else if (key.getKeyType() == KeyType.Enter) {
        applySetup(form);
      }
      return;
    }
    switch (key.getKeyType()) {
      case Backspace -> form.backspace();
      case Character -> form.type(key.getCharacter());
      case Tab -> form.cycle();
      case Enter -> {
        message = form.next().orElse("");
        if (form.step() == SetupForm.Step.POLICY) {
          try {
            form.choices(SetupForm.Step.POLICY, api.policyNames(form.zone()));
          } catch (RuntimeException e) {
            message = oneLine(e);
          }
        }
      }
      default -> { }
    }
  }

  private void applySetup(SetupForm form) {
    try {
      String[] secret = {null};
      SetupCommand.Result r = api.setup(form, s -> secret[0] = s);
      setup = Optional.empty();
      zone = r.zoneName();
      panel = Optional.of(Scroll.of("setup result" + (secret[0] != null ? " (the app secret is not shown again after Esc)" : ""),
          SetupForm.result(r, form.app(), Optional.ofNullable(secret[0]))));
      panelRequest = "";
      message = "";
      view = View.ZONES;
      load(View.ZONES);
    } catch (Exception e) {
      message = "setup failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replace('\n', ' '));
    }
  }

  // loading

  /**
   * The periodic audit refresh: a failure shows on the bottom line until a refresh succeeds; a
   * success leaves any other message (a filter error, say) where it is.
   */
  private void refreshAudit() {
    String shown = message;
    boolean ok = load(View.AUDIT);
    if (ok && !refreshFailed) {
      message = shown;
    }
    refreshFailed = !ok;
  }

  /** Loads a view's data; false (with the error on the bottom line) when the server did not answer. */
  private boolean load(View v) {
    try {
      switch (v) {
        case ZONES -> {
          JsonNode list = api.zones();
          List<String> keys = new ArrayList<>();
          list.forEach(z -> keys.add(z.path("name").asText()));
          if (zone.isEmpty() && !keys.isEmpty()) {
            zone = keys.get(0);
          }
          replace(v, Selection.of(ConsoleText.zoneRows(list), keys));
        }
        case APPS -> {
          apps = api.apps(zone);
          replace(v, ConsoleText.appRows(apps));
        }
        case RESOURCES -> {
          resources = api.resources(zone);
          replace(v, ConsoleText.resourceRows(resources));
        }
        case POLICIES -> {
          policies = api.policies(zone);
          JsonNode active = PolicySetText.SetVersion.of(api.zone(zone).path("active_policy_set"))
              .flatMap(a -> PolicySetText.find(policies, a.key())).orElse(AdminClient.JSON.createObjectNode());
          replace(v, PolicyText.policyRows(policies, active));
        }
        case SETS -> {
          policies = api.policies(zone);
          replace(v, PolicySetText.rows(policies, api.zone(zone)));
        }
        case SESSIONS -> replace(v, SessionTree.rows(api.sessions(zone), Instant.now()));
        case APPROVALS -> {
          approvals = api.pendingApprovals(zone);
          replace(v, ConsoleText.approvalRows(approvals));
        }
        case AUDIT -> {
          lastAuditRefresh = System.currentTimeMillis();
          events = api.newestEvents(AUDIT_LIMIT, filter);
          List<String> table = Explanations.eventTable(events);
          auditHeader = table.get(0);
          replace(v, Selection.of(table.subList(1, table.size()), events.stream().map(e -> e.path("id").asText()).toList()));
        }
        case DIAGNOSTICS -> diagnostics = Scroll.of("diagnostics", api.diagnostics());
        default -> { }
      }
      message = "";
      return true;
    } catch (RuntimeException e) {
      message = oneLine(e);
      return false;
    }
  }

  private void replace(View v, Selection fresh) {
    lists.put(v, lists.get(v).replace(fresh.rows(), fresh.keys()));
  }

  // drawing

  private void draw() throws IOException {
    screen.clear();
    TextGraphics g = screen.newTextGraphics();
    TerminalSize size = screen.getTerminalSize();
    int width = size.getColumns();
    put(g, 0, 0, width, "Caracal console  " + api.baseUrl() + "   zone: " + (zone.isEmpty() ? "-" : zone), SGR.BOLD);
    put(g, 0, 1, width, MENU.length() <= width ? MENU : SHORT_MENU);
    int top = 3;
    int height = bodyHeight();
    if (help) {
      lines(g, top, height, width, "help", HELP, 2);
    } else if (setup.isPresent()) {
      drawSetup(g, setup.get(), top, height, width);
    } else if (picker.isPresent()) {
      picker = Optional.of(list(g, top, height, width, "pick the current zone (Enter picks, Esc cancels)",
          "  " + ConsoleText.ZONE_HEADER, picker.get()));
    } else if (panel.isPresent()) {
      Scroll p = panel.get();
      lines(g, top, height, width, p.title() + "   (Up/Down scroll, Esc back)", p.visible(height), 0);
    } else if (view == View.DIAGNOSTICS) {
      lines(g, top, height, width, "diagnostics (caracal status --ready, clock, ledger verification, policy lint)",
          diagnostics.visible(height), 0);
    } else {
      String title = switch (view) {
        case AUDIT -> "audit: newest " + AUDIT_LIMIT + " ledger events" + (filter.isEmpty() ? "" : " where " + filter.text())
            + " (Enter explains, t traces, f filters" + (filter.isEmpty() ? "" : ", F clears") + ")";
        default -> view.name + (view.zoned() ? " of zone " + zone : "") + " (" + view.hint + ")";
      };
      String header = view == View.AUDIT ? auditHeader : view.header;
      lists.put(view, list(g, top, height, width, title, "  " + header, lists.get(view)));
    }
    int last = size.getRows() - 1;
    if (prompt.isPresent()) {
      bottom(g, last, width, prompt.get().line(), SGR.REVERSE);
    } else if (confirm.isPresent()) {
      bottom(g, last, width, confirm.get().question() + " (y/n)", SGR.REVERSE);
    } else if (!message.isEmpty()) {
      bottom(g, last, width, "! " + message, SGR.BOLD);
    }
    screen.refresh(Screen.RefreshType.COMPLETE);
  }

  private void drawSetup(TextGraphics g, SetupForm form, int top, int height, int width) {
    boolean review = form.step() == SetupForm.Step.REVIEW;
    List<String> lines = new ArrayList<>(review ? form.review() : form.answered());
    if (!review) {
      lines.add("");
      lines.add(form.input().line());
      List<String> choices = form.choices(form.step());
      if (form.step() == SetupForm.Step.POLICY || !choices.isEmpty()) {
        List<String> all = new ArrayList<>(form.step() == SetupForm.Step.POLICY ? List.of(SetupForm.STARTER) : List.of());
        all.addAll(choices);
        lines.add("");
        lines.add("Tab cycles: " + String.join("  ", all));
      }
    }
    String title = "guided setup: step " + form.number() + " of " + form.steps() + ", " + form.step().question
        + (review ? "   (w toggles files, Enter applies, Esc back)" : "   (Enter next, Esc back)");
    int row = top - 1;
    int end = top + height;
    for (String t : Wrap.lines(title, Math.max(1, width))) {
      if (row < end) {
        put(g, 0, row++, width, t, SGR.BOLD);
      }
    }
    for (String line : Wrap.all(lines, Math.max(1, width - 2))) {
      if (row < end) {
        put(g, 2, row++, width - 2, line);
      }
    }
  }

  /**
   * The prompt, question or message at the bottom, wrapped upwards over the body when it is longer
   * than a row (the end, where the cursor is, stays visible); each row is padded to hide the body.
   */
  private static void bottom(TextGraphics g, int last, int width, String text, SGR style) {
    List<String> rows = Wrap.lines(text, Math.max(1, width));
    int first = Math.min(last, Math.max(2, last - rows.size() + 1));
    List<String> shown = rows.subList(rows.size() - (last - first + 1), rows.size());
    for (int i = 0; i < shown.size(); i++) {
      put(g, 0, first + i, width, String.format("%-" + Math.max(1, width) + "s", shown.get(i)), style);
    }
  }

  private void lines(TextGraphics g, int top, int height, int width, String title, List<String> lines, int indent) {
    put(g, 0, top - 1, width, title, SGR.BOLD);
    for (int i = 0; i < Math.min(height, lines.size()); i++) {
      put(g, indent, top + i, width - indent, lines.get(i));
    }
  }

  private Selection list(TextGraphics g, int top, int height, int width, String title, String header, Selection s) {
    put(g, 0, top - 1, width, title, SGR.BOLD);
    put(g, 0, top, width, header, SGR.UNDERLINE);
    int rows = height - 1;
    if (s.isEmpty()) {
      put(g, 2, top + 1, width - 2, "(none yet)");
      return s;
    }
    int first = s.firstVisible(rows);
    for (int i = 0; i < rows && first + i < s.rows().size(); i++) {
      int index = first + i;
      boolean selected = index == s.selected();
      String line = (selected ? "> " : "  ") + s.rows().get(index);
      if (selected) {
        put(g, 0, top + 1 + i, width, line, SGR.REVERSE);
      } else {
        put(g, 0, top + 1 + i, width, line);
      }
    }
    return s.shownAt(rows);
  }

  private int bodyHeight() {
    return Math.max(1, screen.getTerminalSize().getRows() - 4); // the last row is the prompt and message line
  }

  private static void put(TextGraphics g, int column, int row, int width, String text, SGR... style) {
    String clipped = text.length() > width ? text.substring(0, Math.max(0, width)) : text;
    if (style.length > 0) {
      g.putString(column, row, clipped, style[0], style);
    } else {
      g.putString(column, row, clipped);
    }
  }

  private static boolean isChar(KeyStroke key, char c) {
    return key.getKeyType() == KeyType.Character && key.getCharacter() == c;
  }

  private static String oneLine(Exception e) {
    String m = e.getMessage() == null ? "request failed" : e.getMessage();
    return m.replace('\n', ' ');
  }
}

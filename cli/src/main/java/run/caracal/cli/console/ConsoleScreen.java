package run.caracal.cli.console;

import com.fasterxml.jackson.databind.JsonNode;
import com.googlecode.lanterna.SGR;
import com.googlecode.lanterna.TerminalSize;
import com.googlecode.lanterna.graphics.TextGraphics;
import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import com.googlecode.lanterna.screen.Screen;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import run.caracal.cli.audit.Explanations;

/**
 * The full-screen loop: reads keys, refreshes the audit list every two seconds, and redraws on
 * every change, including a terminal resize. State lives in {@link Selection} and {@link Scroll}.
 */
final class ConsoleScreen {
  private static final long AUDIT_REFRESH_MILLIS = 2_000;
  private static final int AUDIT_LIMIT = 50;
  private static final List<String> HELP = List.of(
      "z            zones: list; Enter opens a zone (apps, resources, active policy set)",
      "a            audit: the newest ledger events, refreshed every 2 s",
      "Enter        on an audit event: explain its request",
      "t            on an audit event or in explain: the request's trace timeline",
      "/ or e       type or paste a request id, Enter explains it (Esc cancels)",
      "s            guided setup: zone, app, resource, scopes, upstream, profile files, review, apply",
      "S            sessions of the selected zone as a delegation tree",
      "x            in sessions: terminate the selected session (asks y/n)",
      "d            diagnostics: what the server's status reports",
      "Up/Down      move; PgUp/PgDn scroll a page",
      "Esc          back from a panel; in setup one step back (at the first step it cancels)",
      "?            this help (any key closes it)",
      "q            quit",
      "",
      "The same without a terminal: caracal zone list, caracal audit list, caracal explain ID, caracal trace ID,",
      "caracal session list --zone Z, caracal session terminate ID, caracal status");

  private enum View { ZONES, AUDIT, DIAGNOSTICS, SESSIONS }

  private final Screen screen;
  private final ConsoleApi api;
  private View view = View.ZONES;
  private Selection zones = Selection.empty();
  private Selection audit = Selection.empty();
  private List<JsonNode> events = List.of();
  private String auditHeader = "";
  private Optional<Scroll> panel = Optional.empty();
  private Scroll diagnostics = Scroll.of("diagnostics", List.of());
  private boolean help;
  private Optional<Prompt> prompt = Optional.empty();
  private Optional<String> confirm = Optional.empty();
  private Optional<SetupForm> setup = Optional.empty();
  private String panelRequest = "";
  private String sessionsZone = "";
  private Selection sessions = Selection.empty();
  private String message = "";
  private long lastAuditRefresh;

  ConsoleScreen(Screen screen, ConsoleApi api) {
    this.screen = screen;
    this.api = api;
  }

  void run() throws IOException, InterruptedException {
    loadZones();
    draw();
    while (true) {
      KeyStroke key = screen.pollInput();
      boolean dirty = screen.doResizeIfNecessary() != null;
      if (key != null) {
        if (key.getKeyType() == KeyType.EOF || (!help && prompt.isEmpty() && confirm.isEmpty() && setup.isEmpty() && isChar(key, 'q'))) {
          return;
        }
        handle(key);
        dirty = true;
      } else if (view == View.AUDIT && panel.isEmpty() && System.currentTimeMillis() - lastAuditRefresh >= AUDIT_REFRESH_MILLIS) {
        loadAudit();
        dirty = true;
      } else if (!dirty) {
        Thread.sleep(40);
      }
      if (dirty) {
        draw();
      }
    }
  }

  private void handle(KeyStroke key) {
    if (help) {
      help = false;
      return;
    }
    if (prompt.isPresent()) {
      typeIntoPrompt(key);
      return;
    }
    if (setup.isPresent()) {
      typeIntoSetup(setup.get(), key);
      return;
    }
    if (confirm.isPresent()) {
      String id = confirm.get();
      confirm = Optional.empty();
      if (isChar(key, 'y') || isChar(key, 'Y')) {
        terminate(id);
      } else {
        message = "not terminated";
      }
      return;
    }
    int page = Math.max(1, bodyHeight() - 1);
    if (isChar(key, '?')) {
      help = true;
    } else if (isChar(key, 'z')) {
      view = View.ZONES;
      panel = Optional.empty();
      loadZones();
    } else if (isChar(key, 'a')) {
      view = View.AUDIT;
      panel = Optional.empty();
      loadAudit();
    } else if (isChar(key, 'd')) {
      view = View.DIAGNOSTICS;
      panel = Optional.empty();
      loadDiagnostics();
    } else if (isChar(key, 's')) {
      panel = Optional.empty();
      setup = Optional.of(new SetupForm());
      message = "";
    } else if (isChar(key, 'S')) {
      view = View.SESSIONS;
      panel = Optional.empty();
      sessionsZone = zones.selectedKey();
      loadSessions();
    } else if (isChar(key, '/') || isChar(key, 'e')) {
      prompt = Optional.of(Prompt.of("request id to explain (Enter explains, Esc cancels)"));
    } else if (isChar(key, 't')) {
      trace();
    } else if (isChar(key, 'x') && view == View.SESSIONS && panel.isEmpty()) {
      if (sessions.isEmpty()) {
        message = "no session selected";
      } else {
        confirm = Optional.of(sessions.selectedKey());
      }
    } else if (key.getKeyType() == KeyType.Escape) {
      panel = Optional.empty();
      panelRequest = "";
    } else if (key.getKeyType() == KeyType.ArrowUp || key.getKeyType() == KeyType.ArrowDown
        || key.getKeyType() == KeyType.PageUp || key.getKeyType() == KeyType.PageDown) {
      int delta = switch (key.getKeyType()) {
        case ArrowUp -> -1;
        case ArrowDown -> 1;
        case PageUp -> -page;
        default -> page;
      };
      move(delta);
    } else if (key.getKeyType() == KeyType.Enter) {
      open();
    }
  }

  private void move(int delta) {
    if (panel.isPresent()) {
      panel = Optional.of(panel.get().by(delta, bodyHeight() - 1));
    } else if (view == View.ZONES) {
      zones = zones.move(delta);
    } else if (view == View.AUDIT) {
      audit = audit.move(delta);
    } else if (view == View.SESSIONS) {
      sessions = sessions.move(delta);
    } else {
      diagnostics = diagnostics.by(delta, bodyHeight());
    }
  }

  private void open() {
    if (panel.isPresent()) {
      return;
    }
    try {
      if (view == View.ZONES && !zones.isEmpty()) {
        String zone = zones.selectedKey();
        panel = Optional.of(Scroll.of("zone " + zone, api.zoneDetail(zone)));
      } else if (view == View.AUDIT && !audit.isEmpty()) {
        String requestId = selectedRequest();
        if (requestId.isEmpty()) {
          message = "this event has no request id to explain";
          return;
        }
        explain(requestId);
      }
      message = "";
    } catch (RuntimeException e) {
      message = oneLine(e);
    }
  }

  private void explain(String requestId) {
    panel = Optional.of(Scroll.of("explain " + requestId + "   [t] trace", api.explain(requestId)
        .orElse(List.of("no ledger event has request id `" + requestId + "`"))));
    panelRequest = requestId;
  }

  /** The trace of the request in the explain panel, else of the selected audit event. */
  private void trace() {
    String requestId = panel.isPresent() ? panelRequest : view == View.AUDIT && !audit.isEmpty() ? selectedRequest() : "";
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
    JsonNode event = events.get(audit.selected());
    return event.path("request_id").isTextual() ? event.path("request_id").asText() : "";
  }

  private void typeIntoPrompt(KeyStroke key) {
    Prompt p = prompt.get();
    switch (key.getKeyType()) {
      case Escape -> prompt = Optional.empty();
      case Backspace -> prompt = Optional.of(p.backspace());
      case Character -> prompt = Optional.of(p.type(key.getCharacter()));
      case Enter -> {
        prompt = Optional.empty();
        if (p.value().isEmpty()) {
          return;
        }
        try {
          explain(p.value());
          message = "";
        } catch (RuntimeException e) {
          message = oneLine(e);
        }
      }
      default -> { }
    }
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
      case Enter -> message = form.next().orElse("");
      default -> { }
    }
  }

  private void applySetup(SetupForm form) {
    try {
      String[] secret = {null};
      run.caracal.cli.runtime.SetupCommand.Result r = api.setup(form, s -> secret[0] = s);
      setup = Optional.empty();
      panel = Optional.of(Scroll.of("setup result" + (secret[0] != null ? " (the app secret is not shown again after Esc)" : ""),
          SetupForm.result(r, form.app(), Optional.ofNullable(secret[0]))));
      panelRequest = "";
      message = "";
      loadZones();
    } catch (Exception e) {
      message = "setup failed: " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().replace('\n', ' '));
    }
  }

  private void loadSessions() {
    if (sessionsZone.isEmpty()) {
      sessions = Selection.empty();
      message = "no zone selected: pick one in the zones view (z) first";
      return;
    }
    try {
      Selection fresh = SessionTree.rows(api.sessions(sessionsZone), java.time.Instant.now());
      sessions = sessions.replace(fresh.rows(), fresh.keys());
      message = "";
    } catch (RuntimeException e) {
      message = oneLine(e);
    }
  }

  private void terminate(String id) {
    try {
      api.terminateSession(id);
      loadSessions();
      message = "terminated " + id;
    } catch (RuntimeException e) {
      message = oneLine(e);
    }
  }

  private void loadZones() {
    try {
      JsonNode list = api.zones();
      List<String> keys = new ArrayList<>();
      list.forEach(z -> keys.add(z.path("name").asText()));
      zones = zones.replace(ConsoleText.zoneRows(list), keys);
      message = "";
    } catch (RuntimeException e) {
      message = oneLine(e);
    }
  }

  private void loadAudit() {
    lastAuditRefresh = System.currentTimeMillis();
    try {
      events = api.newestEvents(AUDIT_LIMIT);
      List<String> table = Explanations.eventTable(events);
      auditHeader = table.get(0);
      audit = audit.replace(table.subList(1, table.size()), events.stream().map(e -> e.path("id").asText()).toList());
      message = "";
    } catch (RuntimeException e) {
      message = oneLine(e);
    }
  }

  private void loadDiagnostics() {
    try {
      diagnostics = Scroll.of("diagnostics", api.status());
      message = "";
    } catch (RuntimeException e) {
      message = oneLine(e);
    }
  }

  private void draw() throws IOException {
    screen.clear();
    TextGraphics g = screen.newTextGraphics();
    TerminalSize size = screen.getTerminalSize();
    int width = size.getColumns();
    put(g, 0, 0, width, "Caracal console  " + api.baseUrl(), SGR.BOLD);
    put(g, 0, 1, width, "[z] zones  [a] audit  [/] explain id  [s] setup  [S] sessions  [d] diagnostics  [?] help  [q] quit");
    int top = 3;
    int height = bodyHeight();
    if (setup.isPresent() && !help) {
      SetupForm form = setup.get();
      put(g, 0, top - 1, width, "guided setup: step " + form.number() + " of " + SetupForm.steps() + ", "
          + form.step().question + (form.step() == SetupForm.Step.REVIEW ? "   (w toggles files, Enter applies, Esc back)"
          : "   (Enter next, Esc back)"), SGR.BOLD);
      List<String> lines = new ArrayList<>(form.step() == SetupForm.Step.REVIEW ? form.review() : form.answered());
      if (form.step() != SetupForm.Step.REVIEW) {
        lines.add("");
        lines.add(form.input().line());
      }
      for (int i = 0; i < Math.min(height, lines.size()); i++) {
        put(g, 2, top + i, width - 2, lines.get(i));
      }
    } else if (help) {
      put(g, 0, top - 1, width, "help", SGR.BOLD);
      for (int i = 0; i < Math.min(height, HELP.size()); i++) {
        put(g, 2, top + i, width - 2, HELP.get(i));
      }
    } else if (panel.isPresent()) {
      Scroll p = panel.get();
      put(g, 0, top - 1, width, p.title() + "   (Up/Down scroll, Esc back)", SGR.BOLD);
      List<String> lines = p.visible(height);
      for (int i = 0; i < lines.size(); i++) {
        put(g, 0, top + i, width, lines.get(i));
      }
    } else if (view == View.ZONES) {
      zones = list(g, top, height, width, "zones (Enter opens)", "  " + ConsoleText.ZONE_HEADER, zones);
    } else if (view == View.AUDIT) {
      audit = list(g, top, height, width, "audit: newest " + AUDIT_LIMIT + " ledger events (Enter explains, t traces)", "  " + auditHeader, audit);
    } else if (view == View.SESSIONS) {
      sessions = list(g, top, height, width, "sessions of zone " + (sessionsZone.isEmpty() ? "-" : sessionsZone)
          + " (x terminates)", "  " + SessionTree.HEADER, sessions);
    } else {
      put(g, 0, top - 1, width, "diagnostics (caracal status --ready)", SGR.BOLD);
      List<String> lines = diagnostics.visible(height);
      for (int i = 0; i < lines.size(); i++) {
        put(g, 0, top + i, width, lines.get(i));
      }
    }
    int last = size.getRows() - 1;
    if (prompt.isPresent()) {
      put(g, 0, last, width, prompt.get().line(), SGR.REVERSE);
    } else if (confirm.isPresent()) {
      put(g, 0, last, width, "terminate session " + confirm.get() + " and its delegations? (y/n)", SGR.REVERSE);
    } else if (!message.isEmpty()) {
      put(g, 0, last, width, "! " + message, SGR.BOLD);
    }
    screen.refresh(Screen.RefreshType.COMPLETE);
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

  private static String oneLine(RuntimeException e) {
    String m = e.getMessage() == null ? "request failed" : e.getMessage();
    return m.replace('\n', ' ');
  }
}

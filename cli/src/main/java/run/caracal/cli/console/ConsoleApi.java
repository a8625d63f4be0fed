package run.caracal.cli.console;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import run.caracal.cli.admin.AdminClient;
import run.caracal.cli.admin.AdminPaths;
import run.caracal.cli.audit.Explanations;

/** The admin API calls the console makes. */
final class ConsoleApi {
  private final AdminClient client;

  ConsoleApi(AdminClient client) {
    this.client = client;
  }

  String baseUrl() {
    return client.baseUrl();
  }

  JsonNode zones() {
    return client.get(AdminPaths.zones());
  }

  List<String> zoneDetail(String zone) {
    return ConsoleText.zoneDetail(client.get(AdminPaths.zone(zone)), client.get(AdminPaths.apps(zone)),
        client.get(AdminPaths.resources(zone)));
  }

  /** The newest ledger events, newest first. */
  List<JsonNode> newestEvents(int limit) {
    List<JsonNode> events = new ArrayList<>();
    client.get("/admin/v1/ledger/events?limit=" + limit + "&order=newest").path("events").forEach(events::add);
    return events;
  }

  Optional<List<String>> explain(String requestId) {
    return Explanations.explain(client, requestId);
  }

  Optional<List<String>> trace(String requestId) {
    return Explanations.trace(client, requestId);
  }

  /** All sessions of a zone, live and ended. */
  JsonNode sessions(String zone) {
    return client.get(AdminPaths.sessions(zone, true));
  }

  void terminateSession(String id) {
    client.delete(AdminPaths.session(id));
  }

  /** Applies the guided setup with `caracal setup`'s admin calls; the one-time secret goes to {@code secret}. */
  run.caracal.cli.runtime.SetupCommand.Result setup(SetupForm form, java.util.function.Consumer<String> secret) throws Exception {
    return run.caracal.cli.runtime.SetupCommand.guided(client, form.zone(), form.app(), form.resourceId(), form.scopes(),
        form.upstream(), form.writeFiles(), form.profile().toAbsolutePath().normalize(),
        form.secretFile().toAbsolutePath().normalize(), secret);
  }

  List<String> status() {
    return ConsoleText.status(client.get("/admin/v1/status"));
  }
}

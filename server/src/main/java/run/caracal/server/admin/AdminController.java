package run.caracal.server.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Patch;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import run.caracal.control.ControlException;
import run.caracal.control.ControlPlane;
import run.caracal.control.db.Json;
import run.caracal.control.policy.PushResult;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.control.session.SessionRecord;
import run.caracal.control.zone.Zone;
import run.caracal.policy.source.SourceFile;
import run.caracal.sts.api.RequestIds;
import run.caracal.sts.api.StsController;

/**
 * The admin API (JSON, admin token required): zones, apps, resources, policy push, activation
 * and history, sessions and key rotation. Each handler turns JSON into one control-plane call.
 * Approvals and approvers are in {@link ApprovalController}.
 */
@Controller("/admin/v1")
public final class AdminController {
  private static final String ACTOR = "admin";
  private final AdminContext admin;
  private final ControlPlane control;

  public AdminController(AdminContext admin) {
    this.admin = admin;
    this.control = admin.control();
  }

  // zones

  @Get(uri = "/zones", produces = MediaType.APPLICATION_JSON)
  public List<Map<String, Object>> zones() {
    return control.zones().stream().map(AdminViews::zone).toList();
  }

  @Post(uri = "/zones", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<Map<String, Object>> createZone(@Body String body) {
    JsonNode json = json(body);
    return HttpResponse.created(AdminViews.zone(control.createZone(text(json, "name"), ACTOR)));
  }

  @Get(uri = "/zones/{zone}", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> zone(@PathVariable String zone) {
    Zone z = control.zone(zone);
    Map<String, Object> out = AdminViews.zone(z);
    out.put("active_policy_set", control.policies().store().current(z.id(), false).map(AdminViews::activation).orElse(null));
    out.put("shadow_policy_set", control.policies().store().current(z.id(), true).map(AdminViews::activation).orElse(null));
    out.put("approval_webhook", control.approvalWebhook(z.id()).orElse(null));
    return out;
  }

  /**
   * `{"approval_webhook": URL}` sets the zone's approval webhook, answering with the secret that
   * signs its notices; an empty or null URL clears it.
   */
  @Patch(uri = "/zones/{zone}", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> updateZone(@PathVariable String zone, @Body String body) {
    JsonNode json = json(body);
    if (!json.has("approval_webhook")) {
      throw new ControlException(ControlException.Kind.INVALID_REQUEST, "nothing to update: give `approval_webhook`");
    }
    JsonNode url = json.get("approval_webhook");
    control.setApprovalWebhook(zone, url.isNull() ? Optional.empty() : Optional.of(url.asText()), ACTOR);
    Map<String, Object> out = zone(zone);
    // the secret that signs the notices (Caracal-Signature), for the receiver to check them
    control.approvalWebhookSecret(zone).ifPresent(secret -> out.put("approval_webhook_secret", secret));
    return out;
  }

  @Delete(uri = "/zones/{zone}", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> deleteZone(@PathVariable String zone) {
    control.deleteZone(zone, ACTOR);
    return Map.of("deleted", zone);
  }

  // apps

  @Get(uri = "/zones/{zone}/apps", produces = MediaType.APPLICATION_JSON)
  public List<Map<String, Object>> apps(@PathVariable String zone) {
    return control.apps(zone).stream().map(AdminViews::app).toList();
  }

  @Post(uri = "/zones/{zone}/apps", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<Map<String, Object>> createApp(@PathVariable String zone, @Body String body) {
    JsonNode json = json(body);
    ControlPlane.IssuedSecret issued = control.createApp(zone, text(json, "name"), strings(json, "labels"), stringMap(json, "attributes"), ACTOR);
    Map<String, Object> out = AdminViews.app(issued.app());
    out.put("client_secret", issued.secret());
    return HttpResponse.created(out).header("Cache-Control", "no-store");
  }

  @Get(uri = "/apps/{id}", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> app(@PathVariable String id) {
    return AdminViews.app(control.app(id));
  }

  @Post(uri = "/apps/{id}/rotate-secret", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<Map<String, Object>> rotate(@PathVariable String id, @Nullable @Body String body) {
    JsonNode json = json(body);
    Duration grace = json.hasNonNull("grace_seconds") ? Duration.ofSeconds(json.get("grace_seconds").asLong()) : ControlPlane.DEFAULT_SECRET_GRACE;
    ControlPlane.IssuedSecret issued = control.rotateSecret(id, grace, ACTOR);
    Map<String, Object> out = AdminViews.app(issued.app());
    out.put("client_secret", issued.secret());
    out.put("previous_secret_valid_seconds", grace.toSeconds());
    return HttpResponse.ok(out).header("Cache-Control", "no-store");
  }

  @Post(uri = "/apps/{id}/{action:enable|disable}", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> enable(@PathVariable String id, @PathVariable String action) {
    control.setAppEnabled(id, action.equals("enable"), ACTOR);
    return AdminViews.app(control.app(id));
  }

  @Delete(uri = "/apps/{id}", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> deleteApp(@PathVariable String id) {
    control.deleteApp(id, ACTOR);
    return Map.of("deleted", id);
  }

  // resources (ids hold `://` and `/`, so they travel as a query parameter)

  @Get(uri = "/zones/{zone}/resources", produces = MediaType.APPLICATION_JSON)
  public Object resources(@PathVariable String zone, @Nullable @QueryValue String id) {
    if (id != null) {
      return AdminViews.resource(control.resource(zone, id));
    }
    return control.resourcesOf(zone).stream().map(AdminViews::resource).toList();
  }

  @Put(uri = "/zones/{zone}/resources", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> putResource(@PathVariable String zone, @Body String body) {
    JsonNode json = json(body);
    List<ResourceBinding.Operation> operations = new ArrayList<>();
    if (json.has("operations") && json.get("operations").isArray()) {
      json.get("operations").forEach(o -> operations.add(new ResourceBinding.Operation(
          o.path("method").asText("").toUpperCase(Locale.ROOT), o.path("path").asText(""), o.path("scope").asText(""))));
    }
    ResourceBinding spec = new ResourceBinding("", text(json, "id"), strings(json, "scopes"), strings(json, "labels"),
        stringMap(json, "attributes"), Optional.ofNullable(json.hasNonNull("upstream") ? json.get("upstream").asText() : null),
        operations, bodyInspection(json), mcp(json), false, Instant.EPOCH, Instant.EPOCH);
    Optional<String> credential = json.hasNonNull("upstream_credential") ? Optional.of(json.get("upstream_credential").asText()) : Optional.empty();
    boolean clear = json.path("clear_upstream_credential").asBoolean(false);
    return AdminViews.resource(control.putResource(zone, spec, credential, !clear, ACTOR));
  }

  @Delete(uri = "/zones/{zone}/resources", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> deleteResource(@PathVariable String zone, @QueryValue String id) {
    control.deleteResource(zone, id, ACTOR);
    return Map.of("deleted", id);
  }

  // policies

  @Post(uri = "/zones/{zone}/policies", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> push(@PathVariable String zone, @Body String body) {
    JsonNode json = json(body);
    List<SourceFile> files = new ArrayList<>();
    json.path("files").forEach(f -> files.add(new SourceFile(f.path("name").asText("policy.yaml"), f.path("content").asText(""))));
    if (files.isEmpty()) {
      throw new ControlException(ControlException.Kind.INVALID_REQUEST, "no files to push");
    }
    Zone z = control.zone(zone);
    PushResult result = control.policies().push(z.id(), files, ACTOR);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("zone_id", z.id());
    out.put("policies", result.policies().stream().map(AdminController::item).toList());
    out.put("policy_sets", result.sets().stream().map(AdminController::item).toList());
    return out;
  }

  @Get(uri = "/zones/{zone}/policies", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> policies(@PathVariable String zone, @Nullable @QueryValue String name, @Nullable @QueryValue Integer version) {
    Zone z = control.zone(zone);
    if (name != null && version != null) {
      return AdminViews.policy(control.policies().store().policy(z.id(), name, version)
          .orElseThrow(() -> ControlException.notFound("policy `" + name + "` version " + version)), true);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("policies", control.policies().store().policies(z.id()).stream().map(p -> AdminViews.policy(p, false)).toList());
    out.put("policy_sets", control.policies().store().sets(z.id()).stream().map(AdminViews::set).toList());
    return out;
  }

  @Post(uri = "/zones/{zone}/activate", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> activate(@PathVariable String zone, @Body String body) {
    JsonNode json = json(body);
    Zone z = control.zone(zone);
    boolean shadow = json.path("shadow").asBoolean(false);
    if (shadow && json.path("clear").asBoolean(false)) {
      control.policies().clearShadow(z.id(), ACTOR);
      control.active().reload(z.id());
      control.notifier().changed("activation", z.id());
      return Map.of("zone_id", z.id(), "shadow", "cleared");
    }
    Optional<Integer> version = json.hasNonNull("version") ? Optional.of(json.get("version").asInt()) : Optional.empty();
    var activation = control.policies().activate(z.id(), text(json, "policy_set"), version, shadow, ACTOR);
    control.active().reload(z.id());
    control.notifier().changed("activation", z.id());
    Map<String, Object> out = AdminViews.activation(activation);
    out.put("zone_id", z.id());
    return out;
  }

  @Get(uri = "/zones/{zone}/history", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> history(@PathVariable String zone) {
    Zone z = control.zone(zone);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("zone_id", z.id());
    out.put("activations", control.policies().history(z.id()).stream().map(AdminViews::activation).toList());
    out.put("policy_sets", control.policies().store().sets(z.id()).stream().map(AdminViews::set).toList());
    return out;
  }

  @Post(uri = "/zones/{zone}/keys/rotate", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> rotateKeys(@PathVariable String zone) {
    Zone z = control.zone(zone);
    control.audit().change(() -> {
      control.keys().rotate(z.id(), Duration.ofMinutes(60).plusMinutes(5));
      control.audit().record("zone.keys_rotated", z.id(), ACTOR, Map.of("current", control.keys().current(z.id()).kid()));
    });
    control.notifier().changed("keys", z.id());
    return Map.of("zone_id", z.id(), "current_kid", control.keys().current(z.id()).kid());
  }

  // sessions

  @Get(uri = "/zones/{zone}/sessions", produces = MediaType.APPLICATION_JSON)
  public List<Map<String, Object>> sessions(@PathVariable String zone, @Nullable @QueryValue Boolean all) {
    Zone z = control.zone(zone);
    return control.sessions().list(z.id(), all == null || !all, control.clock().instant(), 500).stream()
        .map(AdminController::session).toList();
  }

  @Get(uri = "/sessions/{id}", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> session(@PathVariable String id) {
    return session(control.sessions().find(id).orElseThrow(() -> ControlException.notFound("session `" + id + "`")));
  }

  @Delete(uri = "/sessions/{id}", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> terminate(HttpRequest<?> request, @PathVariable String id) {
    SessionRecord s = control.sessions().find(id).orElseThrow(() -> ControlException.notFound("session `" + id + "`"));
    List<String> ended = admin.sessions().terminate(s, ACTOR, RequestIds.of(request));
    return Map.of("session_id", id, "terminated", ended);
  }

  private static Map<String, Object> session(SessionRecord s) {
    return StsController.sessionJson(s);
  }


  /** `protocol: mcp` with its `tools` ({name, scope, input_schema?}), `mask_arguments` and `max_body_bytes`. */
  private static Optional<ResourceBinding.Mcp> mcp(JsonNode json) {
    String protocol = json.path("protocol").asText(ResourceBinding.HTTP);
    if (protocol.equals(ResourceBinding.HTTP) || protocol.isEmpty()) {
      if (json.has("tools") && !json.get("tools").isEmpty()) {
        throw new ControlException(ControlException.Kind.INVALID_REQUEST, "only an MCP resource (protocol mcp) declares tools");
      }
      return Optional.empty();
    }
    if (!protocol.equals(ResourceBinding.MCP)) {
      throw new ControlException(ControlException.Kind.INVALID_REQUEST, "protocol `" + protocol + "` is not http or mcp");
    }
    List<ResourceBinding.Tool> tools = new ArrayList<>();
    for (JsonNode t : json.path("tools")) {
      String name = t.path("name").asText("");
      if (name.isBlank() || t.path("scope").asText("").isBlank()) {
        throw new ControlException(ControlException.Kind.INVALID_REQUEST, "each tool needs a name and a scope");
      }
      JsonNode schema = t.get("input_schema");
      if (schema != null && !schema.isNull() && !schema.isObject()) {
        throw new ControlException(ControlException.Kind.INVALID_REQUEST, "tool `" + name + "`'s input_schema must be a JSON object");
      }
      tools.add(new ResourceBinding.Tool(name, t.path("scope").asText(), schema == null || schema.isNull() ? null : schema.toString()));
    }
    try {
      return Optional.of(new ResourceBinding.Mcp(tools, strings(json, "mask_arguments"), json.path("max_body_bytes").asInt(0)));
    } catch (IllegalArgumentException e) {
      throw new ControlException(ControlException.Kind.INVALID_REQUEST, e.getMessage());
    }
  }

  private static Optional<ResourceBinding.BodyInspection> bodyInspection(JsonNode json) {
    JsonNode b = json.get("body_inspection");
    if (b == null || b.isNull()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new ResourceBinding.BodyInspection(strings(b, "content_types").isEmpty() ? List.of("application/json")
          : strings(b, "content_types"), b.path("max_bytes").asInt(64 * 1024)));
    } catch (IllegalArgumentException e) {
      throw new ControlException(ControlException.Kind.INVALID_REQUEST, e.getMessage());
    }
  }

  private static Map<String, Object> item(PushResult.Item i) {
    return Map.of("name", i.name(), "version", i.version(), "sha256", i.sha256(), "created", i.created());
  }

  static JsonNode json(String body) {
    if (body == null || body.isBlank()) {
      return Json.MAPPER.createObjectNode();
    }
    try {
      JsonNode node = Json.MAPPER.readTree(body);
      if (node.isObject()) {
        return node;
      }
    } catch (JsonProcessingException e) {
      // reported below
    }
    throw new ControlException(ControlException.Kind.INVALID_REQUEST, "request body must be a json object");
  }

  private static String text(JsonNode json, String field) {
    JsonNode v = json.get(field);
    if (v == null || !v.isTextual() || v.asText().isBlank()) {
      throw new ControlException(ControlException.Kind.INVALID_REQUEST, "`" + field + "` is required");
    }
    return v.asText();
  }

  private static List<String> strings(JsonNode json, String field) {
    List<String> out = new ArrayList<>();
    json.path(field).forEach(n -> out.add(n.asText()));
    return out;
  }

  private static Map<String, String> stringMap(JsonNode json, String field) {
    Map<String, String> out = new LinkedHashMap<>();
    json.path(field).fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
    return out;
  }
}

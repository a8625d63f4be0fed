package run.caracal.server.admin;

import java.util.LinkedHashMap;
import java.util.Map;
import run.caracal.control.app.Application;
import run.caracal.control.approval.Approval;
import run.caracal.control.approval.Approver;
import run.caracal.control.db.Json;
import run.caracal.control.policy.Activation;
import run.caracal.control.policy.PolicySetVersion;
import run.caracal.control.policy.PolicyVersion;
import run.caracal.control.resource.ResourceBinding;
import run.caracal.control.zone.Zone;

/** JSON shapes of control-plane objects in the admin API (snake_case, secrets never included). */
final class AdminViews {
  private AdminViews() {}

  static Map<String, Object> zone(Zone z) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", z.id());
    out.put("name", z.name());
    out.put("created_at", z.createdAt().toString());
    return out;
  }

  static Map<String, Object> app(Application a) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", a.id());
    out.put("zone_id", a.zoneId());
    out.put("name", a.name());
    out.put("labels", a.labels());
    out.put("attributes", a.attributes());
    out.put("enabled", a.enabled());
    out.put("created_at", a.createdAt().toString());
    return out;
  }

  static Map<String, Object> approval(Approval a) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", a.id());
    out.put("zone_id", a.zoneId());
    out.put("state", a.state().id());
    out.put("app_id", a.appId());
    out.put("session_id", a.sessionId().orElse(null));
    out.put("resource", a.resource());
    out.put("request", a.summary());
    out.put("request_id", a.requestId());
    out.put("ttl_seconds", a.ttl().toSeconds());
    out.put("reuse", a.reuse().id());
    out.put("approvers", a.approvers());
    out.put("approver_groups", a.approverGroups());
    out.put("requested_at", a.requestedAt().toString());
    out.put("expires_at", a.expiresAt().toString());
    out.put("decided_at", a.decidedAt().map(Object::toString).orElse(null));
    out.put("decided_by", a.decidedBy().orElse(null));
    out.put("comment", a.comment().orElse(null));
    return out;
  }

  static Map<String, Object> approver(Approver a, String zoneName) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", a.name());
    out.put("zone_id", a.zoneId());
    out.put("zone", zoneName);
    out.put("groups", a.groups());
    out.put("created_at", a.createdAt().toString());
    out.put("expires_at", a.expiresAt().toString());
    return out;
  }

  static Map<String, Object> resource(ResourceBinding r) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("id", r.id());
    out.put("zone_id", r.zoneId());
    out.put("scopes", r.scopes());
    out.put("labels", r.labels());
    out.put("attributes", r.attributes());
    out.put("upstream", r.upstream().orElse(null));
    out.put("operations", r.operations().stream().map(o -> Map.of("method", o.method(), "path", o.path(), "scope", o.scope())).toList());
    out.put("body_inspection", r.bodyInspection().map(b -> Map.of("content_types", b.contentTypes(), "max_bytes", b.maxBytes()))
        .orElse(null));
    out.put("protocol", r.protocol());
    r.mcp().ifPresent(m -> {
      out.put("tools", m.tools().stream().map(t -> {
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("name", t.name());
        tool.put("scope", t.scope());
        if (t.inputSchema() != null) {
          tool.put("input_schema", Json.read(t.inputSchema(), Object.class));
        }
        return tool;
      }).toList());
      out.put("mask_arguments", m.maskArguments());
      out.put("max_body_bytes", m.maxBodyBytes());
    });
    out.put("upstream_credential", r.hasUpstreamCredential() ? "set" : "none");
    out.put("created_at", r.createdAt().toString());
    out.put("updated_at", r.updatedAt().toString());
    return out;
  }

  static Map<String, Object> policy(PolicyVersion p, boolean withSource) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", p.name());
    out.put("version", p.version());
    out.put("sha256", p.sha256());
    out.put("created_at", p.createdAt().toString());
    out.put("actor", p.actor());
    if (withSource) {
      out.put("source", p.source());
    }
    return out;
  }

  static Map<String, Object> set(PolicySetVersion s) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("name", s.name());
    out.put("version", s.version());
    out.put("sha256", s.sha256());
    out.put("policies", s.manifest().policies().stream()
        .map(p -> Map.of("name", p.name(), "version", p.version(), "sha256", p.sha256())).toList());
    out.put("created_at", s.createdAt().toString());
    out.put("actor", s.actor());
    return out;
  }

  static Map<String, Object> activation(Activation a) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("seq", a.seq());
    out.put("policy_set", a.setName().orElse(null));
    out.put("version", a.setName().isPresent() ? a.setVersion() : null);
    out.put("shadow", a.shadow());
    out.put("activated_at", a.activatedAt().toString());
    out.put("actor", a.actor());
    return out;
  }
}

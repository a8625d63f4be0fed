package run.caracal.server.home;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one `caracal serve` process records about itself under `$CARACAL_HOME/run/PID.json` (and,
 * for the process running the control role, in `server.json`): its pid, roles and URLs. The admin
 * API answers at {@code adminUrl} only when the process runs the control or sts role.
 */
public record ProcessRecord(long pid, List<String> roles, String stsUrl, Optional<String> adminUrl, Optional<String> gatewayUrl,
    String database, Optional<Instant> startedAt) {
  public ProcessRecord {
    roles = List.copyOf(roles);
  }

  /** Reads the fields `server.json` and the run records share; a missing `roles` means every role (older servers). */
  public static ProcessRecord fromJson(JsonNode json) {
    List<String> roles = new ArrayList<>();
    json.path("roles").forEach(r -> roles.add(r.asText()));
    if (!json.has("roles")) {
      roles.addAll(List.of("control", "sts", "gateway"));
    }
    return new ProcessRecord(json.path("pid").asLong(), roles, json.path("sts_url").asText(),
        text(json, "admin_url"), text(json, "gateway_url"), json.path("database").asText(""),
        text(json, "started_at").flatMap(ProcessRecord::instant));
  }

  /** True when this process serves the admin API (the control or sts role). */
  public boolean servesAdmin() {
    return roles.contains("control") || roles.contains("sts");
  }

  /** The admin API's base URL: the recorded `admin_url`, else the STS URL. */
  public String adminBaseUrl() {
    return adminUrl.orElse(stsUrl);
  }

  /**
   * True when the recorded pid runs and started no later than the record says (a pid the system
   * reused for a newer process does not count).
   */
  public boolean alive() {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty() || !handle.get().isAlive()) {
      return false;
    }
    Optional<Instant> processStart = handle.get().info().startInstant();
    return startedAt.isEmpty() || processStart.isEmpty() || !processStart.get().isAfter(startedAt.get().plusSeconds(1));
  }

  /** The JSON fields, in `server.json`'s order. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("sts_url", stsUrl);
    adminUrl.ifPresent(u -> m.put("admin_url", u));
    gatewayUrl.ifPresent(u -> m.put("gateway_url", u));
    m.put("pid", pid);
    m.put("database", database);
    m.put("roles", roles);
    startedAt.ifPresent(t -> m.put("started_at", t.toString()));
    return m;
  }

  private static Optional<String> text(JsonNode json, String field) {
    return json.hasNonNull(field) && !json.get(field).asText().isEmpty() ? Optional.of(json.get(field).asText()) : Optional.empty();
  }

  private static Optional<Instant> instant(String text) {
    try {
      return Optional.of(Instant.parse(text));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }
}

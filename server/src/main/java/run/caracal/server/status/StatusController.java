package run.caracal.server.status;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.caracal.control.zone.Zone;

/**
 * Liveness (`/health`), readiness per dependency (`/ready`, 503 naming what is not ready) and
 * the detailed `/admin/v1/status` (zones and their active policy sets). No secrets are shown.
 * A zone without an active policy set is ready: it denies everything.
 */
@Controller
public final class StatusController {
  private static final Logger LOG = LoggerFactory.getLogger(StatusController.class);
  private final StatusContext status;

  public StatusController(StatusContext status) {
    this.status = status;
  }

  @Get(uri = "/health", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> health() {
    return Map.of("status", "ok");
  }

  @Get(uri = "/ready", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<Map<String, Object>> ready() {
    Map<String, Object> parts = parts(false);
    return HttpResponse.<Map<String, Object>>status(allReady(parts) ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).body(parts);
  }

  /** Prometheus metrics (text exposition format). */
  @Get(uri = "/metrics", produces = "text/plain; version=0.0.4; charset=utf-8")
  public String metrics() {
    return status.control().metrics().scrape();
  }

  @Get(uri = "/admin/v1/status", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> detailed() {
    return parts(true);
  }

  private Map<String, Object> parts(boolean detailed) {
    Map<String, Object> components = new LinkedHashMap<>();
    List<Zone> zones = List.of();
    try {
      zones = status.control().zones();
      components.put("database", part(true, "reachable"));
    } catch (RuntimeException e) {
      LOG.warn("readiness: database unreachable error={}", e.getMessage());
      components.put("database", part(false, "unreachable"));
    }
    boolean dbUp = ((Map<?, ?>) components.get("database")).get("ready").equals(true);
    components.put("ledger", dbUp ? part(true, "writer open") : part(false, "database unreachable"));
    List<String> missingKeys = new ArrayList<>();
    List<Map<String, Object>> policySets = new ArrayList<>();
    for (Zone z : zones) {
      try {
        status.control().keys().current(z.id());
      } catch (RuntimeException e) {
        missingKeys.add(z.name());
      }
      var active = status.control().policies().store().current(z.id(), false);
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("zone", z.name());
      entry.put("policy_set", active.flatMap(a -> a.setName()).orElse(null));
      entry.put("version", active.map(a -> a.setVersion()).orElse(null));
      entry.put("note", active.isPresent() ? "active" : "no active policy set: the zone denies everything");
      policySets.add(entry);
    }
    components.put("keys", missingKeys.isEmpty() ? part(true, zones.size() + " zone(s) with signing keys")
        : part(false, "zones without a signing key: " + missingKeys));
    Map<String, Object> policies = part(dbUp, zones.isEmpty() ? "no zones yet" : policySets.size() + " zone(s)");
    if (detailed) {
      policies.put("zones", policySets);
    }
    components.put("policy_sets", policies);
    components.put("sts", status.roles().contains("sts") ? part(true, status.stsUrl()) : part(true, "not in this process"));
    components.put("gateway", status.gatewayUrl().map(u -> reachable(u) ? part(true, u) : part(false, u + " not accepting connections"))
        .orElse(part(true, "not in this process")));
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("ready", allReady(components));
    if (detailed) {
      out.put("time", status.control().clock().instant().toString()); // lets a client measure clock skew
    }
    out.put("components", components);
    return out;
  }

  private static boolean allReady(Map<String, Object> partsOrTop) {
    Object components = partsOrTop.getOrDefault("components", partsOrTop);
    if (components instanceof Map<?, ?> map) {
      return map.values().stream().allMatch(v -> v instanceof Map<?, ?> m && Boolean.TRUE.equals(m.get("ready")));
    }
    return false;
  }

  private static Map<String, Object> part(boolean ready, String detail) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("ready", ready);
    m.put("detail", detail);
    return m;
  }

  private static boolean reachable(String url) {
    URI u = URI.create(url);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(u.getHost(), u.getPort()), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}

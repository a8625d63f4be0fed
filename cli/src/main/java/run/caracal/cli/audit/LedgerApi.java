package run.caracal.cli.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.StringJoiner;
import java.util.function.Supplier;
import run.caracal.cli.admin.AdminClient;

/**
 * The running server's ledger API (`/admin/v1/ledger`), found through `$CARACAL_HOME`. An id the
 * ledger does not know is {@link Optional#empty()}; other server errors stay
 * {@link AdminClient.AdminException}.
 */
public final class LedgerApi {
  private static final String BASE = "/admin/v1/ledger";
  private final AdminClient client;

  LedgerApi(AdminClient client) {
    this.client = client;
  }

  public static LedgerApi fromHome() {
    return new LedgerApi(AdminClient.fromHome());
  }

  AdminClient client() {
    return client;
  }

  /** `{request_id, events}` of one request. */
  Optional<JsonNode> request(String requestId) {
    return found(() -> client.get(BASE + "/requests/" + AdminClient.encode(requestId)));
  }

  /** `{id, trace_id, events}` of a trace id, or of a request id's trace. */
  Optional<JsonNode> trace(String id, int limit) {
    return found(() -> client.get(BASE + "/traces/" + AdminClient.encode(id) + "?limit=" + limit));
  }

  /** `{events, next_cursor}` matching the query parameters (absent values are left out). */
  public JsonNode events(Map<String, String> query) {
    StringJoiner q = new StringJoiner("&", "?", "").setEmptyValue("");
    query.forEach((k, v) -> {
      if (v != null && !v.isEmpty()) {
        q.add(k + "=" + AdminClient.encode(v));
      }
    });
    return client.get(BASE + "/events" + q);
  }

  /** The NDJSON export, streamed; the caller closes it. */
  InputStream export() {
    return client.stream(BASE + "/export");
  }

  /** The PEM of the server's checkpoint public key. */
  String publicKeyPem() {
    try (InputStream in = client.stream(BASE + "/public-key")) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the server's public key: " + e.getMessage(), e);
    }
  }

  /** A session of the control plane (`/admin/v1/sessions/{id}`), when it still exists. */
  Optional<JsonNode> session(String sessionId) {
    return found(() -> client.get("/admin/v1/sessions/" + AdminClient.encode(sessionId)));
  }

  /** A zone of the control plane (`/admin/v1/zones/{id}`), when it still exists. */
  public Optional<JsonNode> zone(String zoneId) {
    return found(() -> client.get("/admin/v1/zones/" + AdminClient.encode(zoneId)));
  }

  /** Approvals through the admin API; a failed lookup is no approval (explain still explains the rest). */
  ApprovalLookup approvals() {
    return new ApprovalLookup() {
      @Override
      public Optional<JsonNode> byId(String approvalId) {
        return quietly(() -> client.get("/admin/v1/approvals/" + AdminClient.encode(approvalId)));
      }

      @Override
      public Optional<JsonNode> openedBy(String requestId) {
        return quietly(() -> client.get("/admin/v1/approvals?request_id=" + AdminClient.encode(requestId)))
            .filter(list -> list.isArray() && list.size() > 0).map(list -> list.get(0));
      }
    };
  }

  private static Optional<JsonNode> quietly(Supplier<JsonNode> call) {
    try {
      return Optional.of(call.get());
    } catch (AdminClient.AdminException e) {
      return Optional.empty();
    }
  }

  private static Optional<JsonNode> found(Supplier<JsonNode> call) {
    try {
      return Optional.of(call.get());
    } catch (AdminClient.AdminException e) {
      if (e.status() == 404) {
        return Optional.empty();
      }
      throw e;
    }
  }
}

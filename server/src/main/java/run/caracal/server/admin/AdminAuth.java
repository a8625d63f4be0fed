package run.caracal.server.admin;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import run.caracal.sts.api.RequestIds;

/** Requires `Authorization: Bearer <admin token>` on every `/admin/**` request (constant-time compare). */
@ServerFilter("/admin/**")
public final class AdminAuth {
  private final AdminContext admin;

  public AdminAuth(AdminContext admin) {
    this.admin = admin;
  }

  @RequestFilter
  @Nullable
  public HttpResponse<?> check(HttpRequest<?> request) {
    String header = request.getHeaders().get("Authorization");
    String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
    boolean ok = MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), admin.adminToken().getBytes(StandardCharsets.UTF_8));
    if (ok) {
      return null;
    }
    return HttpResponse.status(HttpStatus.UNAUTHORIZED)
        .header("WWW-Authenticate", "Bearer realm=\"caracal-admin\"")
        .header(RequestIds.HEADER, RequestIds.of(request).requestId())
        .body(Map.of("error", "unauthorized", "reason", "admin_token_invalid",
            "message", "the admin token is missing or wrong (see $CARACAL_HOME/admin.token)",
            "request_id", RequestIds.of(request).requestId()));
  }
}

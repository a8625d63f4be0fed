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
import java.util.regex.Pattern;
import run.caracal.sts.api.RequestIds;

/**
 * Requires `Authorization: Bearer <admin token>` on every `/admin/**` request (constant-time
 * compare), except the approval routes (`/admin/v1/approvals...`, `/admin/v1/zones/{zone}/approvals`),
 * which also take an approver's token: their controller asks who the caller is.
 */
@ServerFilter("/admin/**")
public final class AdminAuth {
  /** Exactly the approval routes: no dot segments or escapes that a router could resolve to another route. */
  private static final Pattern APPROVAL_ROUTES = Pattern.compile(
      "/admin/v1/(approvals(/[A-Za-z0-9_-]+(/(approve|deny))?)?|zones/[A-Za-z0-9][A-Za-z0-9_.-]*/approvals)");

  private final AdminContext admin;

  public AdminAuth(AdminContext admin) {
    this.admin = admin;
  }

  @RequestFilter
  @Nullable
  public HttpResponse<?> check(HttpRequest<?> request) {
    if (isAdmin(request, admin.adminToken()) || APPROVAL_ROUTES.matcher(request.getPath()).matches()) {
      return null;
    }
    return HttpResponse.status(HttpStatus.UNAUTHORIZED)
        .header("WWW-Authenticate", "Bearer realm=\"caracal-admin\"")
        .header(RequestIds.HEADER, RequestIds.of(request).requestId())
        .body(Map.of("error", "unauthorized", "reason", "admin_token_invalid",
            "message", "the admin token is missing or wrong (see $CARACAL_HOME/admin.token)",
            "request_id", RequestIds.of(request).requestId()));
  }

  /** Whether the request carries the admin token. */
  static boolean isAdmin(HttpRequest<?> request, String adminToken) {
    String header = request.getHeaders().get("Authorization");
    String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
    return MessageDigest.isEqual(presented.getBytes(StandardCharsets.UTF_8), adminToken.getBytes(StandardCharsets.UTF_8));
  }
}

package run.caracal.server.admin;

import com.fasterxml.jackson.databind.JsonNode;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import run.caracal.control.ControlException;
import run.caracal.control.ControlPlane;
import run.caracal.control.approval.Approval;
import run.caracal.control.approval.ApproverAccess;
import run.caracal.control.approval.ApproverAccess.Caller;
import run.caracal.control.approval.ApproverStore;

/**
 * Approvals of held requests and the approvers who answer them. The approval routes take the
 * admin token (break-glass; actor `admin`) or an approver's token (actor `approver:NAME`, within
 * the approver's zone and the rule's groups); adding, listing and removing approvers takes the
 * admin token (the {@link AdminAuth} filter sees to it).
 */
@Controller("/admin/v1")
public final class ApprovalController {
  private static final String ACTOR = "admin";
  private final AdminContext admin;
  private final ControlPlane control;
  private final ApproverAccess access;

  public ApprovalController(AdminContext admin) {
    this.admin = admin;
    this.control = admin.control();
    this.access = admin.control().approverAccess();
  }

  // approvals of requests a require_approval rule held

  @Get(uri = "/zones/{zone}/approvals", produces = MediaType.APPLICATION_JSON)
  public List<Map<String, Object>> approvals(HttpRequest<?> request, @PathVariable String zone, @Nullable @QueryValue String state) {
    Caller caller = caller(request);
    return access.list(caller, control.zone(zone).id(), state(state), 500).stream().map(AdminViews::approval).toList();
  }

  private static Optional<Approval.State> state(String state) {
    return Optional.ofNullable(state).filter(x -> !x.isBlank()).map(x -> Approval.State.fromId(x)
        .orElseThrow(() -> new ControlException(ControlException.Kind.INVALID_REQUEST,
            "state `" + x + "` is not pending, approved, denied, expired or used")));
  }

  /**
   * The approvals a request opened (`?request_id=`, for `caracal explain`), else those of the
   * approver's zone, or of every zone for the admin (`?state=` narrows them).
   */
  @Get(uri = "/approvals", produces = MediaType.APPLICATION_JSON)
  public List<Map<String, Object>> approvalsOfCaller(HttpRequest<?> request, @Nullable @QueryValue("request_id") String requestId,
      @Nullable @QueryValue String state) {
    Caller caller = caller(request);
    if (requestId != null && !requestId.isBlank()) {
      return access.ofRequest(caller, requestId).stream().map(AdminViews::approval).toList();
    }
    List<String> zones = control.zones().stream().map(z -> z.id()).toList();
    return access.listVisible(caller, zones, state(state), 500).stream().map(AdminViews::approval).toList();
  }

  @Get(uri = "/approvals/{id}", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> approval(HttpRequest<?> request, @PathVariable String id) {
    return AdminViews.approval(access.show(caller(request), id));
  }

  @Post(uri = "/approvals/{id}/approve", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> approve(HttpRequest<?> request, @PathVariable String id, @Nullable @Body String body) {
    return AdminViews.approval(access.decide(caller(request), id, true, comment(body)));
  }

  @Post(uri = "/approvals/{id}/deny", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> deny(HttpRequest<?> request, @PathVariable String id, @Nullable @Body String body) {
    return AdminViews.approval(access.decide(caller(request), id, false, comment(body)));
  }

  // approvers (admin token only)

  /** `{"name", "groups": [...], "valid_for_seconds"?}`: a new approver and their token, shown this once. */
  @Post(uri = "/zones/{zone}/approvers", produces = MediaType.APPLICATION_JSON)
  public HttpResponse<Map<String, Object>> addApprover(@PathVariable String zone, @Body String body) {
    JsonNode json = AdminController.json(body);
    List<String> groups = new ArrayList<>();
    json.path("groups").forEach(g -> groups.add(g.asText()));
    Duration validFor = json.hasNonNull("valid_for_seconds") ? Duration.ofSeconds(json.path("valid_for_seconds").asLong(0))
        : ApproverStore.DEFAULT_VALIDITY;
    ApproverStore.Issued issued = control.approvers().add(control.zone(zone).id(), json.path("name").asText(""), groups, validFor,
        ACTOR);
    Map<String, Object> out = AdminViews.approver(issued.approver(), control.zone(zone).name());
    out.put("token", issued.token());
    return HttpResponse.created(out).header("Cache-Control", "no-store");
  }

  /** Every approver, or a zone's (`?zone=`); never their tokens. */
  @Get(uri = "/approvers", produces = MediaType.APPLICATION_JSON)
  public List<Map<String, Object>> approvers(@Nullable @QueryValue String zone) {
    Map<String, String> names = new HashMap<>();
    control.zones().forEach(z -> names.put(z.id(), z.name()));
    Optional<String> zoneId = Optional.ofNullable(zone).filter(z -> !z.isBlank()).map(z -> control.zone(z).id());
    return control.approvers().list(zoneId).stream().map(a -> AdminViews.approver(a, names.getOrDefault(a.zoneId(), ""))).toList();
  }

  @Delete(uri = "/zones/{zone}/approvers/{name}", produces = MediaType.APPLICATION_JSON)
  public Map<String, Object> removeApprover(@PathVariable String zone, @PathVariable String name) {
    control.approvers().remove(control.zone(zone).id(), name, ACTOR);
    return Map.of("deleted", name);
  }

  /** The admin, or the approver whose token the request carries. */
  private Caller caller(HttpRequest<?> request) {
    return AdminAuth.isAdmin(request, admin.adminToken()) ? Caller.ADMIN
        : access.approver(request.getHeaders().get("Authorization"));
  }

  private static Optional<String> comment(String body) {
    JsonNode json = AdminController.json(body);
    return json.hasNonNull("comment") && !json.get("comment").asText().isBlank() ? Optional.of(json.get("comment").asText())
        : Optional.empty();
  }
}

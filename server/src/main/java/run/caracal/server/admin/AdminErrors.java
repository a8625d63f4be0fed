package run.caracal.server.admin;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import run.caracal.control.ControlException;
import run.caracal.control.approval.ApprovalAccessException;
import run.caracal.control.db.StoreException;
import run.caracal.decision.Reason;
import run.caracal.policy.diag.Diagnostic;
import run.caracal.sts.api.RequestIds;

/** Control-plane failures as JSON `{error, message, request_id}` (plus lint diagnostics). */
@Controller
public final class AdminErrors {
  private static final Logger LOG = LoggerFactory.getLogger(AdminErrors.class);

  @Error(global = true, exception = ControlException.class)
  public HttpResponse<Map<String, Object>> control(HttpRequest<?> request, ControlException e) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", e.kind().code());
    body.put("reason", e.kind().code());
    body.put("message", e.getMessage());
    body.put("request_id", RequestIds.of(request).requestId());
    if (e.details() instanceof List<?> list) {
      List<Map<String, Object>> diagnostics = new ArrayList<>();
      for (Object o : list) {
        if (o instanceof Diagnostic d) {
          diagnostics.add(Map.of("file", d.position().file(), "line", d.position().line(), "column", d.position().column(),
              "severity", d.severity().label(), "code", d.code().id(), "message", d.message()));
        }
      }
      body.put("diagnostics", diagnostics);
    }
    return HttpResponse.<Map<String, Object>>status(HttpStatus.valueOf(e.kind().status())).body(body);
  }

  /** An approval the caller may not read or answer: 401 or 403 with the approver reason code. */
  @Error(global = true, exception = ApprovalAccessException.class)
  public HttpResponse<Map<String, Object>> approvalAccess(HttpRequest<?> request, ApprovalAccessException e) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", e.reason().httpError());
    body.put("reason", e.reason().id());
    body.put("message", e.getMessage());
    body.put("request_id", RequestIds.of(request).requestId());
    MutableHttpResponse<Map<String, Object>> response =
        HttpResponse.<Map<String, Object>>status(HttpStatus.valueOf(e.reason().httpStatus())).body(body);
    return e.reason().httpStatus() == 401 ? response.header("WWW-Authenticate", "Bearer realm=\"caracal-approvals\"") : response;
  }

  @Error(global = true, exception = StoreException.class)
  public HttpResponse<Map<String, Object>> store(HttpRequest<?> request, StoreException e) {
    String id = RequestIds.of(request).requestId();
    LOG.error("database failure request_id={} error={}", id, e.getMessage());
    return HttpResponse.<Map<String, Object>>status(HttpStatus.SERVICE_UNAVAILABLE)
        .body(Map.of("error", "unavailable", "reason", "database_unavailable", "message", "the database is unavailable; nothing was changed",
            "request_id", id));
  }

  @Error(global = true, exception = IllegalStateException.class)
  public HttpResponse<Map<String, Object>> internal(HttpRequest<?> request, IllegalStateException e) {
    String id = RequestIds.of(request).requestId();
    LOG.error("request failed request_id={} error={}", id, e.getMessage(), e);
    return HttpResponse.<Map<String, Object>>status(HttpStatus.SERVICE_UNAVAILABLE)
        .body(Map.of("error", "unavailable", "reason", Reason.INTERNAL_ERROR.id(),
            "message", "the request could not be completed; see the server log for this request id", "request_id", id));
  }
}

package run.caracal.sts.api;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Error;
import java.util.LinkedHashMap;
import java.util.Map;
import run.caracal.sts.OAuthException;

/** Turns STS failures into RFC 6749 §5.2 JSON bodies with Caracal's reason and the request id. */
@Controller
public final class StsErrors {
  @Error(global = true, exception = OAuthException.class)
  public HttpResponse<Map<String, Object>> oauth(HttpRequest<?> request, OAuthException e) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", e.error());
    body.put("error_description", e.getMessage());
    body.put("reason", e.reason());
    body.put("request_id", RequestIds.of(request).requestId());
    var response = HttpResponse.<Map<String, Object>>status(HttpStatus.valueOf(e.status())).body(body)
        .header("Cache-Control", "no-store");
    if (e.status() == 401) {
      response.header("WWW-Authenticate", "Basic realm=\"caracal\"");
    }
    return response;
  }

  @Error(global = true, exception = StsController.RateLimited.class)
  public HttpResponse<Map<String, Object>> limited(HttpRequest<?> request, StsController.RateLimited e) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("error", "slow_down");
    body.put("error_description", "rate limit exceeded for this application");
    body.put("reason", "rate_limited");
    body.put("request_id", RequestIds.of(request).requestId());
    return HttpResponse.<Map<String, Object>>status(HttpStatus.TOO_MANY_REQUESTS).body(body)
        .header("Retry-After", String.valueOf(e.retryAfterSeconds()));
  }
}

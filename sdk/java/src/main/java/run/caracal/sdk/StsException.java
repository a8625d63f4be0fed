package run.caracal.sdk;

import com.fasterxml.jackson.databind.JsonNode;

/** The STS refused or failed a request (opening a session, a token exchange, ending a session). */
public class StsException extends CaracalException {
  public StsException(String message, String reason, String requestId, int status, String error) {
    super(message, reason, requestId, status, error, null);
  }

  static StsException fromBody(String what, int status, JsonNode body, String requestId) {
    String error = Json.text(body, "error");
    if (error == null) error = "http_" + status;
    String reason = Json.text(body, "reason");
    String rid = Json.text(body, "request_id");
    if (rid == null) rid = requestId;
    return new StsException(describe(what, error, reason, Json.text(body, "error_description"), rid), reason, rid, status, error);
  }
}

package run.caracal.control;

import java.util.Locale;
/**
 * A control-plane request cannot be done: the code says why ({@code not_found}, {@code conflict},
 * {@code invalid_request}, {@code lint_failed}), the message says what, in one lowercase line.
 */
public final class ControlException extends RuntimeException {
  /** Stable error codes; HTTP status follows from them. */
  public enum Kind {
    NOT_FOUND(404),
    CONFLICT(409),
    INVALID_REQUEST(400),
    LINT_FAILED(422);

    private final int status;

    Kind(int status) {
      this.status = status;
    }

    public int status() {
      return status;
    }

    public String code() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final Kind kind;
  private final transient Object details;

  public ControlException(Kind kind, String message) {
    this(kind, message, null);
  }

  public ControlException(Kind kind, String message, Object details) {
    super(message);
    this.kind = kind;
    this.details = details;
  }

  public Kind kind() {
    return kind;
  }

  /** Extra data for the response body (for example lint diagnostics), or null. */
  public Object details() {
    return details;
  }

  public static ControlException notFound(String what) {
    return new ControlException(Kind.NOT_FOUND, what + " not found");
  }
}

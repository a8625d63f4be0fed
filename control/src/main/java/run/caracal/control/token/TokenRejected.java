package run.caracal.control.token;

/** A presented token is not acceptable; {@code reason} is the stable code (e.g. `token_expired`). */
public final class TokenRejected extends Exception {
  private final String reason;

  public TokenRejected(String reason, String message) {
    super(message, null, false, false);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}

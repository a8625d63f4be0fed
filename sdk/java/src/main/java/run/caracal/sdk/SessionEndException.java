package run.caracal.sdk;

/** The agent session could not be ended when its spawn block finished; its authority lasts until it expires. */
public class SessionEndException extends CaracalException {
  public SessionEndException(String message, CaracalException cause) {
    super(message, cause.reason(), cause.requestId(), cause.status(), cause.error(), cause);
  }
}

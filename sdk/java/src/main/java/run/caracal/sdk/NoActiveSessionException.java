package run.caracal.sdk;

/** A call that needs an agent session ran outside {@code caracal.spawn(...)}. */
public class NoActiveSessionException extends CaracalException {
  public NoActiveSessionException(String message) {
    super(message, "no_active_session", null, 0, null, null);
  }
}

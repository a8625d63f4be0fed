package run.caracal.cli;

/** A command was used wrongly (a missing file, a bad option value): exit 2 with this message. */
public final class UsageException extends RuntimeException {
  public UsageException(String message) {
    super(message);
  }
}

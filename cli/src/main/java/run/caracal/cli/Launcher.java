package run.caracal.cli;

/**
 * How the user started this CLI, for the commands it suggests next ("run your own command:
 * {@code ./caracal run -- ...}"). The {@code caracal} launcher script passes the name it was
 * invoked by as the system property {@code caracal.launcher}: {@code ./caracal} when typed as a
 * path, {@code caracal} when found on the PATH. A jar started directly is {@code caracal}.
 */
public final class Launcher {
  /** The system property the launcher script sets. */
  public static final String PROPERTY = "caracal.launcher";

  private Launcher() {}

  /** The command to print in suggestions, e.g. {@code ./caracal} or {@code caracal}. */
  public static String name() {
    return name(System.getProperty(PROPERTY));
  }

  /** {@code invokedAs} when given, else {@code caracal}; quoted for a POSIX shell when it needs it. */
  static String name(String invokedAs) {
    if (invokedAs == null || invokedAs.isBlank()) {
      return "caracal";
    }
    return invokedAs.matches("[A-Za-z0-9_./+:@%-]+") ? invokedAs : "'" + invokedAs.replace("'", "'\\''") + "'";
  }
}

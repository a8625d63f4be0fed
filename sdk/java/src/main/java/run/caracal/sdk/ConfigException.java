package run.caracal.sdk;

/** The runtime profile or the {@code CARACAL_*} environment cannot be used; the message names what to fix. */
public class ConfigException extends CaracalException {
  public ConfigException(String message) {
    super(message, "config_invalid", null, 0, null, null);
  }
}

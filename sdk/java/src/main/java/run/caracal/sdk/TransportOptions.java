package run.caracal.sdk;

/**
 * Options of {@link Caracal#transport(TransportOptions)}.
 *
 * @param throwOnError throw a {@link GatewayException} (or {@link CaracalException}) for any status ≥ 400
 * @param retries retries of idempotent requests on network failures and 502/503/504 (default 2)
 */
public record TransportOptions(boolean throwOnError, int retries) {
  public TransportOptions {
    if (retries < 0) throw new IllegalArgumentException("retries must not be negative");
  }

  public static TransportOptions defaults() {
    return new TransportOptions(false, 2);
  }

  public TransportOptions withThrowOnError(boolean value) {
    return new TransportOptions(value, retries);
  }

  public TransportOptions withRetries(int value) {
    return new TransportOptions(throwOnError, value);
  }
}

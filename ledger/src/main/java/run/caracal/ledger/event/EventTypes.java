package run.caracal.ledger.event;

import java.util.regex.Pattern;

/**
 * The event types the ledger accepts: {@code authorization}, {@code gateway.decision},
 * {@code gateway.result}, and the families {@code session.*}, {@code policy.*},
 * {@code policyset.*}, {@code app.*}, {@code resource.*}, {@code zone.*}, {@code admin.*} (a family name
 * followed by a dot and a lowercase name such as {@code policyset.activate}).
 */
public final class EventTypes {
  public static final String AUTHORIZATION = "authorization";
  public static final String GATEWAY_DECISION = "gateway.decision";
  public static final String GATEWAY_RESULT = "gateway.result";

  private static final Pattern FAMILY =
      Pattern.compile("(session|policy|policyset|app|resource|zone|admin|approval)\\.[a-z0-9][a-z0-9_.-]{0,62}");

  private EventTypes() {}

  /** Whether {@code type} is an accepted event type. */
  public static boolean isValid(String type) {
    return AUTHORIZATION.equals(type)
        || GATEWAY_DECISION.equals(type)
        || GATEWAY_RESULT.equals(type)
        || (type != null && FAMILY.matcher(type).matches());
  }
}

package run.caracal.engine.decision;

/**
 * When a decision is made: {@code ISSUE} while the STS issues a token (request-time attributes
 * are unknown), {@code REQUEST} for each call at the Gateway (everything is known).
 */
public enum Phase {
  ISSUE("issue"),
  REQUEST("request");

  private final String id;

  Phase(String id) {
    this.id = id;
  }

  public String id() {
    return id;
  }

  /** `issue` is ISSUE; anything else, including empty, is the full REQUEST evaluation. */
  public static Phase fromId(String id) {
    return "issue".equals(id) ? ISSUE : REQUEST;
  }
}

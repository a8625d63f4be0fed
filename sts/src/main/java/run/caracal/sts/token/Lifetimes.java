package run.caracal.sts.token;

import java.time.Duration;

/** Upper bounds on lifetimes and delegation, from DESIGN: sessions ≤ 60 min, tokens ≤ 15 min. */
public record Lifetimes(Duration maxSession, Duration defaultSession, Duration maxToken, Duration clockSkew, int maxDepth) {
  public static final Lifetimes DEFAULTS =
      new Lifetimes(Duration.ofMinutes(60), Duration.ofMinutes(30), Duration.ofMinutes(15), Duration.ofSeconds(30), 3);
}

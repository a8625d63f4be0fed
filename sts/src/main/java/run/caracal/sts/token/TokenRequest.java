package run.caracal.sts.token;

import java.util.List;
import java.util.Optional;

/** The form parameters of `POST /oauth2/token` that Caracal reads. */
public record TokenRequest(
    String grantType, Optional<String> subjectToken, Optional<String> subjectTokenType, Optional<String> actorToken,
    Optional<String> actorTokenType, List<String> resources, List<String> scopes, Optional<String> requestedTokenType,
    Optional<Long> ttlSeconds) {
  public TokenRequest {
    resources = List.copyOf(resources);
    scopes = List.copyOf(scopes);
  }
}

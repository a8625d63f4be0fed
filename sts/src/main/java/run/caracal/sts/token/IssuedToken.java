package run.caracal.sts.token;

import java.util.List;

/** An access token and what RFC 8693 §2.2.1 returns with it. */
public record IssuedToken(String accessToken, String issuedTokenType, long expiresIn, List<String> scopes, String sessionId, String jti) {}

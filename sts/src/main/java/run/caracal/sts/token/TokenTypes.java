package run.caracal.sts.token;

/** JOSE `typ` values and RFC 8693 token type URIs Caracal uses. */
public final class TokenTypes {
  /** Access tokens per RFC 9068. */
  public static final String ACCESS_TOKEN_TYP = "at+jwt";
  /** Session tokens: only the STS accepts them. */
  public static final String SESSION_TOKEN_TYP = "caracal-session+jwt";
  public static final String URN_JWT = "urn:ietf:params:oauth:token-type:jwt";
  public static final String URN_ACCESS_TOKEN = "urn:ietf:params:oauth:token-type:access_token";
  public static final String GRANT_TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange";
  public static final String GRANT_CLIENT_CREDENTIALS = "client_credentials";

  private TokenTypes() {}
}

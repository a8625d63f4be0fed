package run.caracal.policy.parse;

import java.util.regex.Pattern;

/** The shapes that names, ids, scopes and resource patterns must have. */
public final class Names {
  /** Document and rule names: lowercase letters, digits, `-`, `_` and `.`. */
  public static final Pattern NAME = Pattern.compile("[a-z0-9]([a-z0-9._-]{0,126}[a-z0-9])?");
  /** Variable names are CEL identifiers. */
  public static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,62}");
  /** Resource ids: a scheme and a path, for example `resource://billing-api`. */
  public static final Pattern RESOURCE_ID = Pattern.compile("[a-z][a-z0-9+.-]*://[A-Za-z0-9._~:/@!$&'()+,;=%-]+");
  /** Resource patterns: a resource id where `*` and `**` may stand for parts. */
  public static final Pattern RESOURCE_PATTERN = Pattern.compile("(\\*\\*|[a-z][a-z0-9+.*-]*://[A-Za-z0-9._~:/@!$&'()+,;=%*-]*)");
  /** Scopes: printable, no spaces (RFC 6749 scope-token). */
  public static final Pattern SCOPE = Pattern.compile("[\\x21\\x23-\\x5B\\x5D-\\x7E]{1,128}");

  private Names() {}
}

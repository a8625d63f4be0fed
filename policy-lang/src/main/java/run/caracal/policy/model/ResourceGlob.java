package run.caracal.policy.model;

import java.util.regex.Pattern;

/**
 * A policy's resource selector: an exact id, or a glob where {@code *} matches within one
 * `/`-separated segment and {@code **} matches across segments. Immutable and thread-safe.
 */
public final class ResourceGlob {
  private final String text;
  private final Pattern pattern;

  private ResourceGlob(String text, Pattern pattern) {
    this.text = text;
    this.pattern = pattern;
  }

  public static ResourceGlob of(String text) {
    if (!text.contains("*")) {
      return new ResourceGlob(text, null);
    }
    StringBuilder re = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '*' && i + 1 < text.length() && text.charAt(i + 1) == '*') {
        re.append(".*");
        i++;
      } else if (c == '*') {
        re.append("[^/]*");
      } else {
        re.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return new ResourceGlob(text, Pattern.compile(re.toString()));
  }

  public String text() {
    return text;
  }

  /** True when the selector has no wildcard. */
  public boolean exact() {
    return pattern == null;
  }

  public boolean matches(String resourceId) {
    return exact() ? text.equals(resourceId) : pattern.matcher(resourceId).matches();
  }
}

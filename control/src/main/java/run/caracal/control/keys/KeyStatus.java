package run.caracal.control.keys;

import java.util.Locale;

/** A signing key's place in rotation: signs now, published ahead, or kept until its tokens expire. */
public enum KeyStatus {
  CURRENT,
  NEXT,
  RETIRED;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static KeyStatus fromId(String id) {
    return valueOf(id.toUpperCase(Locale.ROOT));
  }
}

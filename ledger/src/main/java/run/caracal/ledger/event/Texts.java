package run.caracal.ledger.event;

import java.util.Objects;

/** Checks on text fields: length, no NUL, no unpaired surrogate (both break re-hashing). */
final class Texts {
  private Texts() {}

  static String required(String field, String value, int maxChars) {
    Objects.requireNonNull(value, field);
    if (value.isEmpty()) {
      throw new IllegalArgumentException("invalid_field: `" + field + "` is empty");
    }
    return optional(field, value, maxChars);
  }

  static String optional(String field, String value, int maxChars) {
    if (value == null) {
      return "";
    }
    if (value.length() > maxChars) {
      throw new IllegalArgumentException(
          "field_too_long: `" + field + "` is longer than " + maxChars + " characters");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == 0) {
        throw new IllegalArgumentException("invalid_text: `" + field + "` contains a nul character");
      }
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
          i++;
          continue;
        }
        throw new IllegalArgumentException("invalid_text: `" + field + "` is not valid unicode");
      }
      if (Character.isLowSurrogate(c)) {
        throw new IllegalArgumentException("invalid_text: `" + field + "` is not valid unicode");
      }
    }
    return value;
  }
}

package run.caracal.control.resource;

/** Name globs as tool declarations write them: `*` matches any run of characters, everything else itself. */
final class Globs {
  private Globs() {}

  static boolean matches(String glob, String name) {
    return matches(glob, 0, name, 0);
  }

  private static boolean matches(String glob, int g, String name, int n) {
    while (g < glob.length()) {
      char c = glob.charAt(g);
      if (c == '*') {
        for (int k = n; k <= name.length(); k++) {
          if (matches(glob, g + 1, name, k)) {
            return true;
          }
        }
        return false;
      }
      if (n >= name.length() || name.charAt(n) != c) {
        return false;
      }
      g++;
      n++;
    }
    return n == name.length();
  }
}

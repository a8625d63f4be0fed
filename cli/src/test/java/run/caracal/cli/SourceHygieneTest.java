package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Production code names types through imports, not inline fully-qualified names such as
 * {@code java.util.Optional.of(...)}. Scans every {@code <module>/src/main/java} of the repository;
 * comments, string and character literals, {@code import} and {@code package} lines do not count.
 */
final class SourceHygieneTest {
  /** The repository root: surefire runs in the cli module's folder. */
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  /** A qualified type name: a known top-level package, lower-case segments, then a type. */
  private static final Pattern QUALIFIED_NAME = Pattern.compile(
      "(?<![\\w$.])(?:java|javax|jakarta|com|org|io|net|dev|run)(?:\\.[a-z_][a-z0-9_]*)+\\.[A-Z][\\w$]*");

  /**
   * Allowed uses, as "path from the root | qualified name" (every use of that name in that file),
   * each with its reason.
   */
  private static final Map<String, String> ALLOWED = Map.ofEntries(
      Map.entry("engine/src/main/java/run/caracal/engine/testing/LocalPolicySet.java"
          + " | run.caracal.policy.input.Resource",
          "the file imports run.caracal.policy.model.Resource; the CEL input message has the same name"),
      Map.entry("server/src/main/java/run/caracal/server/admin/LedgerController.java | java.lang.Error",
          "the file imports Micronaut's @Error annotation (io.micronaut.http.annotation.Error)"));

  /**
   * Inline names in files under concurrent change, allowed until that change lands; then this set
   * is emptied (its entries are not checked for staleness). Same format as {@link #ALLOWED}.
   */

  @Test
  void mainSources_useImportsNotInlineQualifiedNames() throws IOException {
    List<Path> sourceRoots = sourceRoots();
    assertTrue(sourceRoots.size() >= 9, "expected every module's src/main/java under " + ROOT + ", found " + sourceRoots);

    List<String> offences = new ArrayList<>();
    Set<String> used = new TreeSet<>();
    for (Path sourceRoot : sourceRoots) {
      try (Stream<Path> files = Files.walk(sourceRoot)) {
        for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
          String relative = ROOT.relativize(file).toString().replace('\\', '/');
          String[] lines = codeOnly(Files.readString(file, StandardCharsets.UTF_8)).split("\n", -1);
          for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.startsWith("import ") || line.startsWith("package ")) {
              continue;
            }
            Matcher m = QUALIFIED_NAME.matcher(lines[i]);
            while (m.find()) {
              String key = relative + " | " + m.group();
              if (ALLOWED.containsKey(key)) {
                used.add(key);
              } else {
                offences.add(relative + ":" + (i + 1) + ": " + m.group());
              }
            }
          }
        }
      }
    }
    assertTrue(offences.isEmpty(), "inline fully-qualified names (import the type instead; a real name "
        + "clash goes into ALLOWED with its reason):\n" + String.join("\n", offences));

    Set<String> stale = new TreeSet<>(ALLOWED.keySet());
    stale.removeAll(used);
    assertTrue(stale.isEmpty(), "allow-list entries that no longer match anything (remove them):\n"
        + String.join("\n", stale));
  }

  @Test
  void codeOnly_blanksCommentsAndLiterals_keepsLines() {
    String source = "a /* java.util.List\n */ b // java.util.Map\n"
        + "c(\"java.util.Set \\\" x\", '\\'', \"\"\"\n  java.util.Optional \\\"\"\" \n  \"\"\") d\n";

    String code = codeOnly(source);

    assertEquals(source.length(), code.length());
    assertEquals(source.split("\n", -1).length, code.split("\n", -1).length);
    assertTrue(!code.contains("java"), code);
    assertEquals("a b c(\" \", ' ', \"\"\" \"\"\") d", code.replaceAll("\\s+", " ").strip());
  }

  @Test
  void qualifiedName_matchesPackagesNotFieldChains() {
    assertTrue(QUALIFIED_NAME.matcher("x = java.util.Optional.of(1);").find());
    assertTrue(QUALIFIED_NAME.matcher("@io.micronaut.core.annotation.Nullable String s").find());
    assertTrue(QUALIFIED_NAME.matcher("} catch (run.caracal.cli.UsageException e) {").find());
    assertTrue(!QUALIFIED_NAME.matcher("session.request.Method m").find());
    assertTrue(!QUALIFIED_NAME.matcher("a.io.b.C c").find());
  }

  private static List<Path> sourceRoots() throws IOException {
    try (Stream<Path> modules = Files.list(ROOT)) {
      return modules.map(m -> m.resolve("src/main/java")).filter(Files::isDirectory).sorted().toList();
    }
  }

  /**
   * The source with comments and the contents of string, text-block and character literals
   * replaced by spaces; line breaks (and so line numbers) and the quotes themselves stay.
   */
  static String codeOnly(String source) {
    StringBuilder out = new StringBuilder(source.length());
    int n = source.length();
    int i = 0;
    while (i < n) {
      char c = source.charAt(i);
      if (source.startsWith("//", i)) {
        while (i < n && source.charAt(i) != '\n') {
          out.append(' ');
          i++;
        }
      } else if (source.startsWith("/*", i)) {
        int end = source.indexOf("*/", i + 2);
        end = end < 0 ? n : end + 2;
        blank(source, i, end, out);
        i = end;
      } else if (source.startsWith("\"\"\"", i)) {
        out.append("\"\"\"");
        int end = literalEnd(source, i + 3, "\"\"\"");
        blank(source, i + 3, end, out);
        i = Math.min(n, end + 3);
        out.append("\"\"\"", 0, i - end);
      } else if (c == '"' || c == '\'') {
        out.append(c);
        int end = literalEnd(source, i + 1, String.valueOf(c));
        blank(source, i + 1, end, out);
        i = end;
        if (i < n && source.charAt(i) == c) {
          out.append(c);
          i++;
        }
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /** The index of the closing delimiter (or the end of the source), skipping escapes. */
  private static int literalEnd(String source, int from, String close) {
    int i = from;
    while (i < source.length() && !source.startsWith(close, i)) {
      if (close.length() == 1 && source.charAt(i) == '\n') {
        return i;
      }
      i += source.charAt(i) == '\\' ? 2 : 1;
    }
    return Math.min(i, source.length());
  }

  private static void blank(String source, int from, int to, StringBuilder out) {
    for (int i = from; i < to; i++) {
      out.append(source.charAt(i) == '\n' ? '\n' : ' ');
    }
  }
}

package run.caracal.cli.policy;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import run.caracal.cli.ExitCode;
import run.caracal.cli.UsageException;
import run.caracal.cli.admin.AdminClient;
import run.caracal.cli.audit.DatabaseOptions;
import run.caracal.cli.audit.Since;
import run.caracal.decision.ImpactReport;

/** The options `policy simulate` and `policy shadow-report` share: the zone, the window, the output. */
final class ReplayOptions {
  @Option(names = "--zone", required = true, description = "The zone whose recorded decisions are read (name or id).")
  String zone;

  @Option(names = "--since", defaultValue = "24h", description = "From this long ago or this time (default: ${DEFAULT-VALUE}).")
  String since;

  @Option(names = "--until", description = "Up to this time (default: now).")
  String until;

  @Option(names = "--limit", defaultValue = "1000", description = "List at most this many changes (all are counted; default: ${DEFAULT-VALUE}).")
  int limit;

  @Option(names = "--format", defaultValue = "text", description = "text, json or junit (default: ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--export", paramLabel = "FILE", description = "Read an export (`caracal audit export`) instead of the server.")
  Path export;

  @Mixin
  DatabaseOptions db;

  @Option(names = "--fail-on-change", description = "Exit 4 when any decision changed (or could not be told).")
  boolean failOnChange;

  /** Checks the values picocli cannot. */
  void validate() {
    if (!List.of("text", "json", "junit").contains(format)) {
      throw new UsageException("--format must be text, json or junit");
    }
    if (limit < 0) {
      throw new UsageException("--limit must not be negative");
    }
    if (export != null && db.given()) {
      throw new UsageException("give either --export or --db, not both");
    }
  }

  /** Where the recorded decisions are read from. */
  DecisionEvents.Source source() {
    return new DecisionEvents.Source(export, db);
  }

  Instant from(Instant now) {
    return time("--since", since, now);
  }

  Instant to(Instant now) {
    return until == null ? now : time("--until", until, now);
  }

  /** Prints the report in the chosen format; {@code none} is the text line when nothing was replayed. */
  void print(ImpactReport report, PrintWriter out, Instant from, Instant to, String none) throws IOException {
    switch (format) {
      case "json" -> out.println(AdminClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(report.toJson()));
      case "junit" -> out.print(ImpactText.junit(report));
      default -> {
        if (report.total() == 0 && report.notReplayable() == 0) {
          out.println(none);
        } else {
          ImpactText.text(report, zone, from, to).forEach(out::println);
        }
      }
    }
    out.flush();
  }

  /** 4 when asked to fail on a change and there was one, else 0. */
  int exit(ImpactReport report) {
    return failOnChange && report.changed() ? ExitCode.CHANGED.code() : ExitCode.OK.code();
  }

  private static Instant time(String option, String value, Instant now) {
    try {
      return Since.parse(value, now);
    } catch (IllegalArgumentException | DateTimeParseException e) {
      throw new UsageException(option + " `" + value + "` is neither a duration (90s, 15m, 2h, 7d) nor a time");
    }
  }
}

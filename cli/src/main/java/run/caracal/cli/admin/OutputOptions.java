package run.caracal.cli.admin;

import picocli.CommandLine.Option;

/** The output options every admin command shares: readable text, or the server's JSON. */
public final class OutputOptions {
  /** How a command prints its result. */
  public enum Format { text, json }

  @Option(names = "--format", paramLabel = "FORMAT", description = "Output: ${COMPLETION-CANDIDATES} (default: text).")
  Format format = Format.text;

  @Option(names = "--json", description = "Print the server's JSON (same as --format json).")
  boolean json;

  public boolean isJson() {
    return json || format == Format.json;
  }
}

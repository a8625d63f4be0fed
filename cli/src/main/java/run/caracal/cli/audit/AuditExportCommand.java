package run.caracal.cli.audit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.cli.UsageException;
import run.caracal.cli.admin.AdminClient;

/**
 * `caracal audit export --out FILE`: the running server's whole ledger (one snapshot) as NDJSON.
 * Written to a temporary file beside FILE and moved into place only when complete, so FILE is
 * never a partial export.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Export the running server's ledger (events, chain registry, checkpoints; one snapshot) as NDJSON; "
        + "verify it offline with `caracal audit verify --export FILE --public-key PEM`.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:exported", "1:the server failed or the export was cut short", "2:usage error"})
final class AuditExportCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the export.")
  Path out;

  @Override
  public Integer call() throws IOException {
    Path target = out.toAbsolutePath();
    if (Files.isDirectory(target)) {
      throw new UsageException("`" + out + "` is a directory");
    }
    Path dir = target.getParent();
    if (dir != null && !Files.isDirectory(dir)) {
      throw new UsageException("directory `" + dir + "` does not exist");
    }
    LedgerApi api = LedgerApi.fromHome();
    Path partial = Files.createTempFile(dir, "." + target.getFileName(), ".partial");
    try {
      try (InputStream in = api.export(); OutputStream file = Files.newOutputStream(partial)) {
        in.transferTo(file);
      } catch (IOException e) {
        throw new IllegalStateException("the export from " + api.client().baseUrl() + " was cut short: " + e.getMessage(), e);
      }
      JsonNode end = lastRecord(partial);
      if (!"end".equals(end.path("kind").asText())) {
        throw new IllegalStateException("the export from " + api.client().baseUrl() + " ends without its end record (cut short)");
      }
      Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      spec.commandLine().getErr().println("exported " + end.path("events").asLong() + " event(s), " + end.path("chains").asLong()
          + " chain(s), " + end.path("checkpoints").asLong() + " checkpoint(s) to " + out);
      return ExitCode.OK.code();
    } finally {
      Files.deleteIfExists(partial);
    }
  }

  /** The last line of the file as JSON (an empty object when it is not JSON). */
  private static JsonNode lastRecord(Path file) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long length = raf.length();
      int tail = (int) Math.min(length, 4096);
      byte[] bytes = new byte[tail];
      raf.seek(length - tail);
      raf.readFully(bytes);
      String text = new String(bytes, StandardCharsets.UTF_8).stripTrailing();
      String last = text.substring(text.lastIndexOf('\n') + 1);
      try {
        JsonNode node = AdminClient.JSON.readTree(last);
        return node == null ? AdminClient.JSON.createObjectNode() : node;
      } catch (IOException e) {
        return AdminClient.JSON.createObjectNode();
      }
    }
  }
}

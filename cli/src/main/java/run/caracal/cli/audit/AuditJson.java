package run.caracal.cli.audit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.UncheckedIOException;
import run.caracal.cli.admin.AdminClient;

/** JSON text for the audit commands' `--json` output. */
final class AuditJson {
  private AuditJson() {}

  static String pretty(JsonNode node) {
    try {
      return AdminClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String compact(JsonNode node) {
    try {
      return AdminClient.JSON.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}

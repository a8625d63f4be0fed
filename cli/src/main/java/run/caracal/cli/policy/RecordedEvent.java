package run.caracal.cli.policy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.Optional;
import run.caracal.cli.admin.AdminClient;
import run.caracal.decision.DecisionRecord;
import run.caracal.decision.DecisionRecordJson;

/**
 * A decision event as a source gave it (a JSON tree from the server or the database, or a line of
 * an export as its bytes), read into its {@link DecisionRecord} on demand, on whichever thread
 * asks: replay reads records on every core. Immutable and thread-safe.
 */
final class RecordedEvent {
  /** Reads export lines; a key given twice counts with its last value, as in the tree. */
  static final JsonFactory JSON = new JsonFactory();

  /** The event as a tree, or null for an export line. */
  private final JsonNode tree;
  /** The export line, or null. */
  private final byte[] line;

  private RecordedEvent(JsonNode tree, byte[] line) {
    this.tree = tree;
    this.line = line;
  }

  /** An event as the server's admin API or the database gave it, not to be changed afterwards. */
  static RecordedEvent of(JsonNode event) {
    return new RecordedEvent(event, null);
  }

  /** An export line (UTF-8, without its line break) of a decision type, not to be changed afterwards. */
  static RecordedEvent ofExportLine(byte[] line) {
    return new RecordedEvent(null, line);
  }

  /**
   * The record the event holds, as {@link DecisionRecordJson#read} reads it: an export line's
   * version-1 explanation in one streaming pass, anything else through its tree.
   *
   * @throws IllegalArgumentException when it holds no record this version can read
   */
  DecisionRecord record() {
    if (tree != null) {
      return DecisionRecordJson.read(tree);
    }
    Optional<DecisionRecord> streamed = streamed();
    if (streamed.isPresent()) {
      return streamed.get();
    }
    try {
      return DecisionRecordJson.read(AdminClient.JSON.readTree(line));
    } catch (IOException e) {
      throw new IllegalArgumentException("event is not json", e);
    }
  }

  /**
   * The record of the line's `explanation`, read straight from the line parser's buffer; empty
   * when the explanation is not a version-1 record as text or something else decides how the
   * event is read (a `type` field, which {@link DecisionRecordJson} prefers to `event_type`).
   */
  private Optional<DecisionRecord> streamed() {
    try (JsonParser p = JSON.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return Optional.empty();
      }
      Optional<DecisionRecord> record = Optional.empty();
      for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
        JsonToken t = p.nextToken();
        if (name.equals("type") || name.equals("explanation") && t != JsonToken.VALUE_STRING) {
          return Optional.empty();
        }
        if (name.equals("explanation")) {
          record = DecisionRecordJson.readVersion1(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
          if (record.isEmpty()) {
            return record;
          }
        } else {
          p.skipChildren();
        }
      }
      return record;
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}

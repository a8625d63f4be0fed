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
  /** Replays compare verdicts: a streamed record keeps only its decision's verdict (its shadow whole). */
  private static final DecisionRecordJson.Detail REPLAY = DecisionRecordJson.Detail.VERDICT;

  /** The event as a tree, or null for an export line. */
  private final JsonNode tree;
  /** The export line, or null. */
  private final byte[] line;
  /** Where the line's explanation value lies, {@code [from, to)}; -1 when not known. */
  private final int from;
  private final int to;

  private RecordedEvent(JsonNode tree, byte[] line, int from, int to) {
    this.tree = tree;
    this.line = line;
    this.from = from;
    this.to = to;
  }

  /** An event as the server's admin API or the database gave it, not to be changed afterwards. */
  static RecordedEvent of(JsonNode event) {
    return new RecordedEvent(event, null, -1, -1);
  }

  /** An export line (UTF-8, without its line break) of a decision type, not to be changed afterwards. */
  static RecordedEvent ofExportLine(byte[] line) {
    return new RecordedEvent(null, line, -1, -1);
  }

  /**
   * An export line (as {@link #ofExportLine(byte[])}) whose `explanation` value is the bytes
   * {@code [from, to)}, its only member the record depends on (as {@link ExportLineScan} found:
   * the line has no `type` member and is JSON).
   */
  static RecordedEvent ofExportLine(byte[] line, int from, int to) {
    return new RecordedEvent(null, line, from, to);
  }

  /**
   * The record the event holds, as {@link DecisionRecordJson#read} reads it: an export line's
   * version-1 explanation in one streaming pass (its decision read down to the verdict), anything
   * else through its tree.
   *
   * @throws IllegalArgumentException when it holds no record this version can read
   */
  DecisionRecord record() {
    if (tree != null) {
      return DecisionRecordJson.read(tree);
    }
    Optional<DecisionRecord> streamed = from >= 0 ? explanation() : streamed();
    if (streamed.isPresent()) {
      return streamed.get();
    }
    try {
      return DecisionRecordJson.read(AdminClient.JSON.readTree(line));
    } catch (IOException e) {
      throw new IllegalArgumentException("event is not json", e);
    }
  }

  /** The record of the explanation at {@code [from, to)}, as {@link #streamed} reads it. */
  private Optional<DecisionRecord> explanation() {
    try (JsonParser p = JSON.createParser(line, from, to - from)) {
      Optional<DecisionRecord> record = switch (p.nextToken()) {
        case START_OBJECT -> DecisionRecordJson.readVersion1(p, line, from, REPLAY);
        case VALUE_STRING -> DecisionRecordJson.readVersion1(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), REPLAY);
        default -> Optional.empty();
      };
      return p.nextToken() == null ? record : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * The record of the line's `explanation`, read with the line in one pass when the export holds
   * it as an object, else from the line parser's buffer of the string; empty when the explanation
   * is not a version-1 record or something else decides how the event is read (a `type` field,
   * which {@link DecisionRecordJson} prefers to `event_type`).
   */
  private Optional<DecisionRecord> streamed() {
    try (JsonParser p = JSON.createParser(line)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return Optional.empty();
      }
      Optional<DecisionRecord> record = Optional.empty();
      for (String name = p.nextFieldName(); name != null; name = p.nextFieldName()) {
        JsonToken t = p.nextToken();
        if (name.equals("type")) {
          return Optional.empty();
        }
        if (name.equals("explanation")) {
          record = switch (t) {
            case START_OBJECT -> DecisionRecordJson.readVersion1(p, line, 0, REPLAY);
            case VALUE_STRING -> DecisionRecordJson.readVersion1(p.getTextCharacters(), p.getTextOffset(), p.getTextLength(), REPLAY);
            default -> Optional.empty();
          };
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

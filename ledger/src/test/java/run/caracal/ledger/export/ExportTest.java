package run.caracal.ledger.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import run.caracal.ledger.Ledger;
import run.caracal.ledger.checkpoint.SigningKey;
import run.caracal.ledger.checkpoint.TrustedKeys;
import run.caracal.ledger.support.DbKind;
import run.caracal.ledger.support.Events;
import run.caracal.ledger.support.TestDatabase;
import run.caracal.ledger.verify.Finding;
import run.caracal.ledger.verify.FindingKind;
import run.caracal.ledger.verify.VerificationReport;

class ExportTest {
  @TempDir Path tmp;

  private Path exportOf(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    try (Ledger ledger = db.open()) {
      Events.appendAll(ledger, 1, 15);
    }
    try (Ledger ledger = db.open()) {
      Events.appendAll(ledger, 16, 20);
    }
    Path file = tmp.resolve("ledger.ndjson");
    try (Ledger ledger = db.open(); OutputStream out = Files.newOutputStream(file)) {
      assertEquals(20, ledger.export(out));
    }
    return file;
  }

  private TrustedKeys keys() {
    return TrustedKeys.fromPemFile(tmp.resolve("keys").resolve(SigningKey.PUBLIC_FILE));
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void verify_untouchedExport_okWithOnlyThePublicKeyFile(DbKind kind) throws Exception {
    Path file = exportOf(kind);
    VerificationReport report = ExportVerifier.verify(file, keys());
    assertTrue(report.ok(), report.summary());
    assertEquals(2, report.chains());
    assertEquals(20, report.events());
    List<String> lines = Files.readAllLines(file);
    assertTrue(lines.get(0).contains("\"format\":\"caracal-ledger-export\""));
    assertTrue(lines.get(lines.size() - 1).startsWith("{\"kind\":\"end\""));
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void verify_editedEventLine_namesTheEvent(DbKind kind) throws Exception {
    Path file = exportOf(kind);
    List<String> lines = new ArrayList<>(Files.readAllLines(file));
    int i = indexOf(lines, "\"event_id\":\"evt-9\"");
    lines.set(i, lines.get(i).replace("\"zone\":\"dev\"", "\"zone\":\"prod\""));
    Files.write(file, lines, StandardCharsets.UTF_8);
    Finding f = ExportVerifier.verify(file, keys()).firstFinding().orElseThrow();
    assertEquals(FindingKind.CONTENT_CHANGED, f.kind());
    assertEquals(9, f.seq());
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void verify_exportCutShort_malformed(DbKind kind) throws Exception {
    Path file = exportOf(kind);
    List<String> lines = Files.readAllLines(file);
    Files.write(file, lines.subList(0, lines.size() - 3), StandardCharsets.UTF_8);
    List<String> codes = ExportVerifier.verify(file, keys()).findings().stream()
        .map(Finding::code).toList();
    assertTrue(codes.contains("export_malformed"), codes.toString());
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void verify_wrongPublicKey_checkpointsUntrusted(DbKind kind) throws Exception {
    Path file = exportOf(kind);
    TrustedKeys other = SigningKey.loadOrCreate(tmp.resolve("other")).trusted();
    Finding f = ExportVerifier.verify(file, other).firstFinding().orElseThrow();
    assertEquals(FindingKind.CHECKPOINT_KEY_UNKNOWN, f.kind());
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void export_explanationItsOwnCompactForm_isAnObjectElseAString_andVerifies(DbKind kind) throws Exception {
    TestDatabase db = TestDatabase.create(kind, tmp);
    try (Ledger ledger = db.open()) {
      Events.appendAll(ledger, 1, 3);
      ledger.append(Events.decision(4).withExplanation("{\"n\": 4}")).join();
      ledger.append(Events.decision(5).withExplanation("{\"x\":1.50,\"y\":\"\\u00e9\"}")).join();
    }
    Path file = tmp.resolve("ledger.ndjson");
    try (Ledger ledger = db.open(); OutputStream out = Files.newOutputStream(file)) {
      assertEquals(5, ledger.export(out));
    }
    List<String> lines = Files.readAllLines(file);
    assertTrue(lines.get(0).contains("\"version\":2"), lines.get(0));
    assertTrue(lines.get(indexOf(lines, "\"event_id\":\"evt-1\"")).contains(
        "\"explanation\":{\"scopes\":[\"billing:charge\"],\"n\":1,\"note\":\"caf\u00e9 \\\"q\\\"\"}"));
    assertTrue(lines.get(indexOf(lines, "\"event_id\":\"evt-4\"")).contains("\"explanation\":\"{\\\"n\\\": 4}\""));
    assertTrue(lines.get(indexOf(lines, "\"event_id\":\"evt-5\"")).contains("\"explanation\":\"{"));
    VerificationReport report = ExportVerifier.verify(file, keys());
    assertTrue(report.ok(), report.summary());
    assertEquals(5, report.events());
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void verify_versionOneExport_explanationsAsStrings_ok(DbKind kind) throws Exception {
    Path file = exportOf(kind);
    ObjectMapper json = new ObjectMapper();
    List<String> v1 = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      ObjectNode o = (ObjectNode) json.readTree(line);
      if (o.path("kind").asText().equals("header")) {
        o.put("version", 1);
      }
      if (o.path("explanation").isObject()) {
        o.put("explanation", o.path("explanation").toString());
      }
      v1.add(o.toString());
    }
    Files.write(file, v1, StandardCharsets.UTF_8);
    assertTrue(v1.get(0).contains("\"version\":1"));
    VerificationReport report = ExportVerifier.verify(file, keys());
    assertTrue(report.ok(), report.summary());
    assertEquals(20, report.events());
  }

  @ParameterizedTest
  @EnumSource(DbKind.class)
  void verify_editedObjectExplanation_namesTheEvent(DbKind kind) throws Exception {
    Path file = exportOf(kind);
    List<String> lines = new ArrayList<>(Files.readAllLines(file));
    int i = indexOf(lines, "\"event_id\":\"evt-7\"");
    lines.set(i, lines.get(i).replace("\"n\":7", "\"n\":8"));
    Files.write(file, lines, StandardCharsets.UTF_8);
    Finding f = ExportVerifier.verify(file, keys()).firstFinding().orElseThrow();
    assertEquals(FindingKind.CONTENT_CHANGED, f.kind());
    assertEquals(7, f.seq());
  }

  private static int indexOf(List<String> lines, String needle) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(needle)) {
        return i;
      }
    }
    throw new AssertionError("no line with " + needle);
  }
}

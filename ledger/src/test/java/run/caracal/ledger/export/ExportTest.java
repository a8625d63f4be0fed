package run.caracal.ledger.export;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  private static int indexOf(List<String> lines, String needle) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(needle)) {
        return i;
      }
    }
    throw new AssertionError("no line with " + needle);
  }
}

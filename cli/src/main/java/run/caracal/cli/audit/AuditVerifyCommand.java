package run.caracal.cli.audit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;
import run.caracal.cli.UsageException;
import run.caracal.cli.admin.AdminClient;
import run.caracal.ledger.LedgerException;
import run.caracal.ledger.checkpoint.SigningKey;
import run.caracal.ledger.checkpoint.TrustedKeys;
import run.caracal.ledger.export.ExportVerifier;
import run.caracal.ledger.store.JdbcLedgerStore;
import run.caracal.ledger.verify.Finding;
import run.caracal.ledger.verify.SnapshotVerifier;
import run.caracal.ledger.verify.VerificationReport;
import run.caracal.server.home.CaracalHome;

/**
 * `caracal audit verify`: checks the hash chains, the chain registry and the signed checkpoints,
 * locally. By default it streams the running server's export; `--export` checks a file offline;
 * `--db` reads a database directly (one snapshot).
 */
@Command(name = "verify", mixinStandardHelpOptions = true,
    description = "Verify the ledger's hash chains and signed checkpoints: the running server's (streamed and checked "
        + "locally), an export file (--export), or a database (--db). Names the first broken record.",
    exitCodeListHeading = "Exit codes:%n",
    exitCodeList = {"0:intact", "1:a finding (the first broken record is printed), or the source cannot be read",
        "2:usage error"})
final class AuditVerifyCommand implements Callable<Integer> {
  private static final int MAX_LISTED = 20;

  @Spec
  CommandSpec spec;

  @Option(names = "--export", paramLabel = "FILE", description = "Verify this NDJSON export offline.")
  Path export;

  @Mixin
  DatabaseOptions db;

  @Option(names = "--public-key", paramLabel = "PEM", description = "The checkpoint public key to trust (default: the server's; "
      + "for --export and --db, $CARACAL_HOME/keys/" + SigningKey.PUBLIC_FILE + ").")
  Path publicKey;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Override
  public Integer call() throws IOException {
    if (export != null && db.given()) {
      throw new UsageException("give either --export or --db, not both");
    }
    if (publicKey != null && !Files.isRegularFile(publicKey)) {
      throw new UsageException("public key file `" + publicKey + "` does not exist");
    }
    String source;
    VerificationReport report;
    if (export != null) {
      if (!Files.isRegularFile(export)) {
        throw new UsageException("export file `" + export + "` does not exist");
      }
      source = "export " + export;
      report = ExportVerifier.verify(export, localKeys());
    } else if (db.given()) {
      source = "database " + db.display();
      report = verifyDatabase(localKeys());
    } else {
      LedgerApi api = LedgerApi.fromHome();
      TrustedKeys keys = publicKey != null ? read(publicKey) : TrustedKeys.of(parse(api.publicKeyPem()));
      source = "server " + api.client().baseUrl();
      try (InputStream in = api.export()) {
        report = ExportVerifier.verify(in, keys);
      }
    }
    print(source, report);
    return report.ok() ? ExitCode.OK.code() : ExitCode.FINDINGS.code();
  }

  private TrustedKeys localKeys() {
    if (publicKey != null) {
      return read(publicKey);
    }
    Path home = CaracalHome.fromEnvironment().keys().resolve(SigningKey.PUBLIC_FILE);
    if (!Files.isRegularFile(home)) {
      throw new UsageException("give the checkpoint public key with --public-key (no `" + home + "`)");
    }
    return read(home);
  }

  private VerificationReport verifyDatabase(TrustedKeys keys) throws IOException {
    try (HikariDataSource pool = db.open()) {
      return new JdbcLedgerStore(pool).snapshot(s -> SnapshotVerifier.verify(s, keys));
    }
  }

  private static TrustedKeys read(Path pem) {
    try {
      return TrustedKeys.fromPemFile(pem);
    } catch (LedgerException e) {
      throw new UsageException(e.getMessage());
    }
  }

  /** The SPKI public key of a PEM `PUBLIC KEY` block. */
  private static PublicKey parse(String pem) {
    String begin = "-----BEGIN PUBLIC KEY-----";
    String end = "-----END PUBLIC KEY-----";
    int from = pem.indexOf(begin);
    int to = pem.indexOf(end);
    try {
      if (from < 0 || to < from) {
        throw new IllegalArgumentException("no public key block");
      }
      byte[] der = Base64.getMimeDecoder().decode(pem.substring(from + begin.length(), to));
      return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException("the server's public key cannot be read: " + e.getMessage(), e);
    }
  }

  private void print(String source, VerificationReport report) {
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      ObjectNode root = AdminClient.JSON.createObjectNode();
      root.put("ok", report.ok()).put("source", source).put("chains", report.chains()).put("events", report.events())
          .put("checkpoints", report.checkpoints());
      var findings = root.putArray("findings");
      report.findings().forEach(f -> findings.addObject().put("code", f.code()).put("chain_id", f.chainId())
          .put("seq", f.seq()).put("message", f.message()));
      out.println(AuditJson.pretty(root));
    } else {
      String counts = report.chains() + " chain(s), " + report.events() + " event(s), " + report.checkpoints() + " checkpoint(s)";
      if (report.ok()) {
        out.println("ok: " + counts + " verified (" + source + ")");
      } else {
        Finding first = report.firstFinding().orElseThrow();
        out.println("broken: " + report.findings().size() + " finding(s) in " + counts + " (" + source + ")");
        out.println("first broken record: " + first.code()
            + (first.chainId().isEmpty() ? "" : " chain " + first.chainId()) + (first.seq() > 0 ? " seq " + first.seq() : ""));
        out.println("  " + first.message());
        report.findings().stream().skip(1).limit(MAX_LISTED).forEach(f -> out.println("also: " + f));
        if (report.findings().size() > MAX_LISTED + 1) {
          out.println("... and " + (report.findings().size() - MAX_LISTED - 1) + " more (see --json)");
        }
      }
    }
    out.flush();
  }
}

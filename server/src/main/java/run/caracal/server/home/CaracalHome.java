package run.caracal.server.home;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import run.caracal.control.db.Json;

/**
 * The state directory ({@code $CARACAL_HOME}, default {@code ~/.caracal}): the embedded
 * database, the admin token, the master key, the ledger signing key, logs, `server.json`
 * with the URLs of the server other commands talk to, and `run/` with one record per running process. Secret files are created with mode 0600, directories 0700.
 */
public record CaracalHome(Path root) {
  public static CaracalHome fromEnvironment() {
    String env = System.getenv("CARACAL_HOME");
    return new CaracalHome(env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".caracal"));
  }

  public Path database() {
    return root.resolve("db");
  }

  public Path keys() {
    return root.resolve("keys");
  }

  public Path logs() {
    return root.resolve("logs");
  }

  public Path adminTokenFile() {
    return root.resolve("admin.token");
  }

  /** The master key sealing secrets at rest; replicas share one through {@code CARACAL_MASTER_KEY_FILE}. */
  public Path masterKeyFile() {
    String shared = System.getenv("CARACAL_MASTER_KEY_FILE");
    return shared != null && !shared.isBlank() ? Path.of(shared) : keys().resolve("master.key");
  }

  /**
   * The directory of the ledger's checkpoint signing key; replicas share one through
   * {@code CARACAL_LEDGER_KEY_DIR}, so any process can verify every chain.
   */
  public Path ledgerKeys() {
    String shared = System.getenv("CARACAL_LEDGER_KEY_DIR");
    return shared != null && !shared.isBlank() ? Path.of(shared) : keys();
  }

  /** The record of the process other commands talk to (the control process when one runs). */
  public Path serverFile() {
    return root.resolve("server.json");
  }

  /** One record per running `caracal serve` process, `run/PID.json` (see {@link HomeProcesses}). */
  public Path runDirectory() {
    return root.resolve("run");
  }

  public Path processFile(long pid) {
    return runDirectory().resolve(pid + ".json");
  }

  /** The processes recorded in this home. */
  public HomeProcesses processes() {
    return new HomeProcesses(this);
  }

  /** Creates the directories (0700) when missing. */
  public void ensure() {
    for (Path dir : new Path[] {root, database(), keys(), logs()}) {
      try {
        if (!Files.isDirectory(dir)) {
          Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
      } catch (IOException e) {
        throw new UncheckedIOException("cannot create `" + dir + "`", e);
      }
    }
  }

  /** The admin token, created (256 random bits, mode 0600) on first use. */
  public String adminToken() {
    Path file = adminTokenFile();
    try {
      if (!Files.exists(file)) {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        try {
          Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
          Files.writeString(file, "cat_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes) + "\n");
        } catch (FileAlreadyExistsException raced) {
          // created by another process meanwhile
        }
      }
      return Files.readString(file).trim();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create `" + file + "`", e);
    }
  }

  /** Writes a small JSON file atomically with mode 0600. */
  public void writePrivate(Path file, Map<String, ?> values) {
    try {
      Path tmp = Files.createTempFile(file.getParent(), ".tmp", ".json",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(tmp, Json.write(values) + "\n");
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write `" + file + "`", e);
    }
  }
}

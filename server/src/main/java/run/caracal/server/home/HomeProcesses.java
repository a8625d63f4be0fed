package run.caracal.server.home;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import run.caracal.control.db.Json;

/**
 * The `caracal serve` processes of one home: each records itself in `run/PID.json` while it runs,
 * and `server.json` names the one other commands talk to (the control process when one runs).
 * Records of processes that are gone (killed, crashed) are stale and skipped. Every file is
 * written atomically; readers never see half a record.
 */
public final class HomeProcesses {
  private final CaracalHome home;

  public HomeProcesses(CaracalHome home) {
    this.home = home;
  }

  /** A run record and whether its process still runs. */
  public record Recorded(Path file, ProcessRecord process, boolean alive) {}

  /**
   * Records a starting process in `run/PID.json`; writes `server.json` too when the process runs the
   * control role, or when `server.json` names no live process that serves the admin API.
   */
  public void join(ProcessRecord process) {
    createRunDirectory();
    Optional<ProcessRecord> named = serverFile();
    boolean replace = process.roles().contains("control") || named.isEmpty() || !named.get().alive()
        || (process.servesAdmin() && !named.get().servesAdmin());
    if (replace) {
      home.writePrivate(home.serverFile(), process.toMap());
    }
    // the run record last: whoever sees it sees `server.json` as this process left it
    home.writePrivate(home.processFile(process.pid()), process.toMap());
  }

  /**
   * Removes a stopping process's record; when `server.json` names it, points `server.json` at
   * another live process serving the admin API, if one runs.
   */
  public void leave(long pid) {
    try {
      Files.deleteIfExists(home.processFile(pid));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete `" + home.processFile(pid) + "`", e);
    }
    if (serverFile().map(p -> p.pid() == pid).orElse(false)) {
      live().stream().filter(ProcessRecord::servesAdmin).min(preferred())
          .ifPresent(next -> home.writePrivate(home.serverFile(), next.toMap()));
    }
  }

  /** Every run record, live or stale, oldest first; unreadable files are left out. */
  public List<Recorded> records() {
    Path dir = home.runDirectory();
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    List<Recorded> out = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.getFileName().toString().matches("[0-9]+\\.json")).toList()) {
        read(f).ifPresent(p -> out.add(new Recorded(f, p, p.alive())));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list `" + dir + "`", e);
    }
    out.sort(Comparator.comparing((Recorded r) -> r.process().startedAt().orElse(Instant.EPOCH)).thenComparing(r -> r.process().pid()));
    return List.copyOf(out);
  }

  /** The processes of this home that run now, oldest first. */
  public List<ProcessRecord> live() {
    return records().stream().filter(Recorded::alive).map(Recorded::process).toList();
  }

  /** What `server.json` records, alive or not. */
  public Optional<ProcessRecord> serverFile() {
    return read(home.serverFile());
  }

  /**
   * The process to send admin and STS calls to: a live process running the control role (the one
   * `server.json` names first), else one running sts; else whatever `server.json` records (a server
   * of an older version, or one that is gone and will not answer).
   */
  public Optional<ProcessRecord> admin() {
    Optional<ProcessRecord> named = serverFile();
    List<ProcessRecord> serving = live().stream().filter(ProcessRecord::servesAdmin).toList();
    Optional<ProcessRecord> best = serving.stream()
        .min(Comparator.comparing((ProcessRecord p) -> !p.roles().contains("control"))
            .thenComparing(p -> named.map(n -> n.pid() != p.pid()).orElse(true)));
    return best.isPresent() ? best : named;
  }

  /** The Gateway agents should call: the admin process's own, else the oldest live gateway's. */
  public Optional<String> gatewayUrl() {
    Optional<String> own = admin().flatMap(ProcessRecord::gatewayUrl);
    return own.isPresent() ? own : live().stream().flatMap(p -> p.gatewayUrl().stream()).findFirst();
  }

  private Comparator<ProcessRecord> preferred() {
    return Comparator.comparing((ProcessRecord p) -> !p.roles().contains("control"))
        .thenComparing(p -> p.startedAt().orElse(Instant.EPOCH));
  }

  private void createRunDirectory() {
    Path dir = home.runDirectory();
    try {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create `" + dir + "`", e);
    }
  }

  private static Optional<ProcessRecord> read(Path file) {
    try {
      return Files.exists(file) ? Optional.of(ProcessRecord.fromJson(Json.MAPPER.readTree(Files.readString(file)))) : Optional.empty();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }
}

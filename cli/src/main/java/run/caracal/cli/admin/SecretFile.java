package run.caracal.cli.admin;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import run.caracal.cli.UsageException;

/**
 * A file that receives a client secret: created with mode 0600 (owner read/write only), never
 * overwriting an existing file unless forced. The file holds the secret alone, without a newline.
 */
final class SecretFile {
  private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

  private final Path path;
  private final boolean force;

  /** Checks the target before anything is asked of the server, so a secret is never issued into the void. */
  SecretFile(Path path, boolean force) {
    this.path = path.toAbsolutePath().normalize();
    this.force = force;
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS) && !force) {
      throw new UsageException("`" + path + "` already exists; choose another --secret-file or add --force to replace it");
    }
    if (Files.isDirectory(path)) {
      throw new UsageException("`" + path + "` is a directory");
    }
    Path parent = this.path.getParent();
    if (parent == null || !Files.isDirectory(parent)) {
      throw new UsageException("folder `" + (parent == null ? path : parent) + "` does not exist");
    }
  }

  Path path() {
    return path;
  }

  /** Writes the secret: a new file, or (when forced) a private temporary file moved over the old one. */
  void write(String secret) throws IOException {
    byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
    if (!force) {
      create(path, bytes);
      return;
    }
    Path temp = path.resolveSibling("." + path.getFileName() + ".tmp-" + ProcessHandle.current().pid());
    Files.deleteIfExists(temp);
    try {
      create(temp, bytes);
      Files.move(temp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void create(Path file, byte[] bytes) throws IOException {
    boolean posix = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    FileAttribute<?>[] attributes = posix
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY)}
        : new FileAttribute<?>[0];
    try (SeekableByteChannel channel = Files.newByteChannel(file,
        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attributes)) {
      if (posix) {
        Files.setPosixFilePermissions(file, OWNER_ONLY);
      }
      ByteBuffer buffer = ByteBuffer.wrap(bytes);
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    }
  }
}

package run.caracal.cli.policy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The lines of an export as UTF-8 bytes, one at a time, without decoding them to text: a line
 * ends at a line feed, a carriage return, or both (as {@code BufferedReader.readLine} has it).
 * Holds one read buffer and the current line. Not thread-safe.
 */
final class ExportLines implements AutoCloseable {
  private final InputStream in;
  private final byte[] buffer = new byte[1 << 16];
  private int position;
  private int limit;
  private boolean skipLineFeed;
  private byte[] line = new byte[4096];
  private int length;
  private int number;

  ExportLines(Path export) throws IOException {
    this.in = Files.newInputStream(export);
  }

  /** Moves to the next line; false at the end of the file. */
  boolean next() throws IOException {
    length = 0;
    boolean any = false;
    while (true) {
      if (position == limit) {
        limit = in.read(buffer, 0, buffer.length);
        position = 0;
        if (limit <= 0) {
          limit = 0;
          if (any) {
            number++;
          }
          return any;
        }
      }
      if (skipLineFeed) {
        skipLineFeed = false;
        if (buffer[position] == '\n') {
          position++;
          continue;
        }
      }
      int start = position;
      while (position < limit && buffer[position] != '\n' && buffer[position] != '\r') {
        position++;
      }
      append(start, position);
      any = true;
      if (position < limit) {
        skipLineFeed = buffer[position] == '\r';
        position++;
        number++;
        return true;
      }
    }
  }

  private void append(int from, int to) {
    int n = to - from;
    if (length + n > line.length) {
      line = Arrays.copyOf(line, Math.max(line.length * 2, length + n));
    }
    System.arraycopy(buffer, from, line, length, n);
    length += n;
  }

  /** The current line's number, from 1. */
  int number() {
    return number;
  }

  /** Whether the current line holds only spaces and control characters. */
  boolean blank() {
    for (int i = 0; i < length; i++) {
      if ((line[i] & 0xff) > ' ') {
        return false;
      }
    }
    return true;
  }

  /** The current line's bytes, held by the caller alone. */
  byte[] copy() {
    return Arrays.copyOf(line, length);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}

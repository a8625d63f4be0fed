package run.caracal.server.admin;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A bounded in-memory pipe from the thread that writes an export to the HTTP response that
 * reads it: at most 16 chunks of 64 KiB in flight. The writer fails with an {@link IOException}
 * when the reader closed the stream (the client went away) or has not taken a chunk for the
 * stall timeout, so an abandoned export never holds its database snapshot for long; the reader
 * fails when the writer reports {@link #fail()}, so a broken export never looks complete.
 * One writer thread and one reader at a time.
 */
final class ExportPipe {
  private static final int CHUNK = 64 * 1024;
  private static final byte[] END = new byte[0];
  private static final byte[] FAILED = new byte[0];

  private final BlockingQueue<byte[]> chunks = new ArrayBlockingQueue<>(16);
  private final long stallNanos;
  private volatile boolean readerClosed;

  ExportPipe(Duration stall) {
    this.stallNanos = stall.toNanos();
  }

  /** The writer's end; closing it ends the stream normally. */
  OutputStream sink() {
    return new BufferedOutputStream(new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        put(new byte[] {(byte) b});
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        if (len > 0) {
          put(Arrays.copyOfRange(b, off, off + len));
        }
      }

      @Override
      public void close() throws IOException {
        put(END);
      }
    }, CHUNK);
  }

  /** Ends the stream with an error the reader sees as an {@link IOException}. */
  void fail() {
    chunks.clear();
    chunks.offer(FAILED);
  }

  /** The reader's end. */
  InputStream source() {
    return new InputStream() {
      private byte[] current = new byte[0];
      private int pos;
      private boolean done;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        while (pos == current.length) {
          if (done) {
            return -1;
          }
          byte[] next = take();
          if (next == END) {
            done = true;
            return -1;
          }
          if (next == FAILED) {
            done = true;
            throw new IOException("the export failed before it was complete");
          }
          current = next;
          pos = 0;
        }
        int n = Math.min(len, current.length - pos);
        System.arraycopy(current, pos, b, off, n);
        pos += n;
        return n;
      }

      @Override
      public void close() {
        readerClosed = true;
        chunks.clear();
      }
    };
  }

  private void put(byte[] chunk) throws IOException {
    long deadline = System.nanoTime() + stallNanos;
    try {
      while (!chunks.offer(chunk, 200, TimeUnit.MILLISECONDS)) {
        if (readerClosed) {
          throw new IOException("the client closed the export stream");
        }
        if (System.nanoTime() - deadline > 0) {
          throw new IOException("the client stopped reading the export");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
    if (readerClosed) {
      throw new IOException("the client closed the export stream");
    }
  }

  private byte[] take() throws IOException {
    try {
      byte[] next = chunks.poll(stallNanos, TimeUnit.NANOSECONDS);
      if (next == null) {
        throw new IOException("the export stalled");
      }
      return next;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}

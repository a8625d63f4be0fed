package run.caracal.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import run.caracal.control.db.Json;

/**
 * HTTP/1.1 over a plain socket, for what a well-behaved client cannot send: ambiguous framing,
 * raw control characters, absolute-form targets, several requests on one connection. Reads
 * responses one at a time (Content-Length, chunked, or until close).
 */
final class RawHttp implements AutoCloseable {
  record Response(String statusLine, int status, Map<String, List<String>> headers, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    Optional<String> header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    JsonNode json() {
      try {
        return Json.MAPPER.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not json: " + text(), e);
      }
    }

    @Override
    public String toString() {
      return statusLine + " " + headers + " " + text();
    }
  }

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawHttp(String baseUrl) {
    URI u = URI.create(baseUrl);
    try {
      socket = new Socket(u.getHost(), u.getPort());
      socket.setSoTimeout(15_000);
      in = new BufferedInputStream(socket.getInputStream());
      out = socket.getOutputStream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One request on a fresh connection, its response. */
  static Response exchange(String baseUrl, String request) {
    try (RawHttp raw = new RawHttp(baseUrl)) {
      raw.send(request);
      return raw.read(false);
    }
  }

  RawHttp send(String text) {
    return send(text.getBytes(StandardCharsets.ISO_8859_1));
  }

  RawHttp send(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
      return this;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The next response; {@code head} for a response to HEAD (no body). */
  Response read(boolean head) {
    try {
      String statusLine = line();
      if (statusLine == null) {
        throw new AssertionError("connection closed before a response");
      }
      int status = Integer.parseInt(statusLine.split(" ", 3)[1]);
      Map<String, List<String>> headers = new LinkedHashMap<>();
      for (String line = line(); line != null && !line.isEmpty(); line = line()) {
        int colon = line.indexOf(':');
        headers.computeIfAbsent(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
            .add(line.substring(colon + 1).trim());
      }
      byte[] body;
      List<String> te = headers.getOrDefault("transfer-encoding", List.of());
      List<String> cl = headers.getOrDefault("content-length", List.of());
      if (head || status < 200 || status == 204 || status == 304) {
        body = new byte[0];
      } else if (!te.isEmpty() && te.get(0).equalsIgnoreCase("chunked")) {
        body = chunked();
      } else if (!cl.isEmpty()) {
        body = in.readNBytes(Integer.parseInt(cl.get(0)));
      } else {
        body = in.readAllBytes();
      }
      return new Response(statusLine, status, headers, body);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether the peer closed the connection (end of stream within the read timeout). */
  boolean closedByPeer() {
    try {
      return in.read() < 0;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  private byte[] chunked() throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      String size = line();
      int semi = size.indexOf(';');
      int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
      if (n == 0) {
        for (String trailer = line(); trailer != null && !trailer.isEmpty(); trailer = line()) {
          // trailers are ignored
        }
        return body.toByteArray();
      }
      body.write(in.readNBytes(n));
      line();
    }
  }

  private String line() throws IOException {
    StringBuilder b = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0) {
      if (c == '\n') {
        int len = b.length();
        return len > 0 && b.charAt(len - 1) == '\r' ? b.substring(0, len - 1) : b.toString();
      }
      b.append((char) c);
    }
    return b.length() == 0 ? null : b.toString();
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing a test socket
    }
  }
}

package run.caracal.sdk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The transport streams both ways, against a real Caracal server and an upstream that sends
 * server-sent events slowly (see {@link StreamingUpstream}); arrival times are measured against
 * the times the upstream wrote each event.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StreamingTest {
  private static final String ECHO = "resource://echo";
  private static final int EVENTS = 20;
  private static final long EVERY_MS = 100;
  private static final long MB = 1024 * 1024;

  private Stack stack;
  private Path main;

  @BeforeAll
  void start() throws Exception {
    String skip = Stack.unavailable();
    if (skip != null) System.out.println("# " + skip);
    assumeTrue(skip == null, skip);
    stack = Stack.start();
    main = stack.setup("sdk-java-stream", "streamer", ECHO, "read,write", stack.upstreamUrl + "/api");
  }

  @AfterAll
  void stop() {
    if (stack != null) stack.close();
  }

  private String api(String path) {
    return stack.upstreamUrl + "/api" + path;
  }

  /** Asserts the events arrived in order, the first well before the last was written, each soon after it was written. */
  private void assertStreamed(String key, List<Long> arrived) {
    List<Long> sent = stack.streams.sent.get(key);
    assertEquals(EVENTS, arrived.size(), "events received");
    assertEquals(EVENTS, sent.size(), "events sent");
    long lastSent = sent.get(EVENTS - 1);
    long earlyMs = TimeUnit.NANOSECONDS.toMillis(lastSent - arrived.get(0));
    assertTrue(earlyMs >= (EVENTS - 1) * EVERY_MS / 2,
        "the first event arrived only " + earlyMs + " ms before the last was sent");
    long[] lagMs = new long[EVENTS];
    for (int i = 0; i < EVENTS; i++) lagMs[i] = TimeUnit.NANOSECONDS.toMillis(arrived.get(i) - sent.get(i));
    long[] sorted = lagMs.clone();
    Arrays.sort(sorted);
    assertTrue(sorted[EVENTS / 2] < 5 * EVERY_MS, "median lag behind the upstream: " + Arrays.toString(lagMs));
  }

  @Test
  void get_ofLinesOnSlowServerSentEvents_eachEventArrivesAsItIsSent() {
    Caracal caracal = Caracal.fromProfile(main);
    List<Long> arrived = new ArrayList<>();
    caracal.spawn(session -> {
      HttpResponse<Stream<String>> response = caracal.transport().get(api("/events/lines?n=" + EVENTS + "&every=" + EVERY_MS),
          Map.of("Accept", "text/event-stream"), HttpResponse.BodyHandlers.ofLines());
      assertEquals(200, response.statusCode());
      assertTrue(response.headers().firstValue("x-caracal-request-id").isPresent(), "not through the gateway");
      assertEquals("text/event-stream", response.headers().firstValue("content-type").orElse(""));
      try (Stream<String> lines = response.body()) {
        lines.filter(line -> line.startsWith("data:")).forEach(line -> {
          arrived.add(System.nanoTime());
          assertEquals("data: {\"i\": " + (arrived.size() - 1) + "}", line);
        });
      }
    });
    assertStreamed("lines", arrived);
  }

  @Test
  void get_ofInputStreamOnSlowServerSentEvents_eachEventArrivesAsItIsSent() {
    Caracal caracal = Caracal.fromProfile(main);
    List<Long> arrived = new ArrayList<>();
    caracal.spawn(session -> {
      HttpResponse<InputStream> response = caracal.transport().request("POST", api("/events/stream?n=" + EVENTS + "&every=" + EVERY_MS),
          Map.of("Content-Type", "application/json"), HttpRequest.BodyPublishers.ofString("{\"stream\": true}"),
          HttpResponse.BodyHandlers.ofInputStream());
      assertEquals(200, response.statusCode());
      try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
        for (String line; (line = reader.readLine()) != null; ) {
          if (line.startsWith("data:")) arrived.add(System.nanoTime());
        }
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    assertStreamed("stream", arrived);
  }

  /** 100 MB down and 100 MB up through the Gateway in a JVM whose whole heap is 32 MB. */
  @Test
  void downloadAndFileUpload_100Mb_fitInA32MbHeap() throws Exception {
    long size = 100 * MB;
    String classpath = Path.of("target/classes").toAbsolutePath() + java.io.File.pathSeparator + System.getProperty("java.class.path");
    String down = agent(classpath, "download", api("/bytes/" + size));
    assertEquals("200 " + size, down);

    Path file = stack.work.resolve("upload.bin");
    CRC32 crc = new CRC32();
    byte[] block = new byte[(int) MB];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (int i = 0; i < 100; i++) {
        Arrays.fill(block, (byte) i);
        crc.update(block);
        out.write(block);
      }
    }
    String up = agent(classpath, "upload", api("/upload/file"), file.toString());
    assertTrue(up.startsWith("200 "), up);
    JsonNode seen = Json.parseObject(up.substring(4));
    assertEquals(size, seen.path("bytes").asLong());
    assertEquals(crc.getValue(), seen.path("crc32").asLong());
  }

  /** Runs {@link StreamingAgent}; an agent that runs out of heap exits at once rather than hang. */
  private String agent(String classpath, String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(stack.java, "-Xmx32m", "-XX:+ExitOnOutOfMemoryError", "-cp", classpath,
        StreamingAgent.class.getName(), args[0], main.toString()));
    command.addAll(Arrays.asList(args).subList(1, args.length));
    Path out = stack.work.resolve("agent-" + args[0] + ".out");
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("CARACAL_"));
    Process process = pb.start();
    process.getOutputStream().close();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      throw new AssertionError("the streaming agent " + args[0] + " did not finish within 120 s:\n" + Files.readString(out));
    }
    String output = Files.readString(out).trim();
    assertEquals(0, process.exitValue(), "the streaming agent " + args[0] + " failed:\n" + output);
    return output;
  }

  @Test
  void request_inputStreamBody_reachesTheUpstreamBeforeItIsReadWhole() {
    Caracal caracal = Caracal.fromProfile(main);
    CountDownLatch firstByte = stack.streams.firstByteOf("held");
    byte[] head = new byte[64 * 1024];
    Arrays.fill(head, (byte) 'a');
    byte[] tail = new byte[4 * 1024 * 1024];
    Arrays.fill(tail, (byte) 'b');
    // the rest of the body is released only once the upstream has the first bytes: a transport
    // that read the body whole before sending would wait here until the latch gave up
    InputStream body = new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(head), new InputStream() {
      private final InputStream rest = new java.io.ByteArrayInputStream(tail);
      private boolean released;

      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (!released) {
          try {
            if (!firstByte.await(30, TimeUnit.SECONDS)) throw new IOException("the upstream saw no byte of the body yet");
          } catch (InterruptedException e) {
            throw new IOException(e);
          }
          released = true;
        }
        return rest.read(b, off, len);
      }
    });
    HttpResponse<String> response = caracal.call(session -> caracal.transport().request("POST", api("/upload/held"),
        Map.of("Content-Type", "application/octet-stream"), HttpRequest.BodyPublishers.ofInputStream(() -> body),
        HttpResponse.BodyHandlers.ofString()));
    assertEquals(200, response.statusCode(), response.body());
    JsonNode seen = Json.parseObject(response.body());
    assertEquals(head.length + tail.length, seen.path("bytes").asLong());
    assertEquals("chunked", seen.path("transfer_encoding").asText());
  }

  @Test
  void send_streamedBody_isNeverReplayedOnARetryStatusOrAnExpiredToken() {
    Caracal caracal = Caracal.fromProfile(main);
    caracal.spawn(session -> {
      Transport http = caracal.transport();
      HttpResponse.BodyHandler<String> text = HttpResponse.BodyHandlers.ofString();
      assertEquals(503, http.request("PUT", api("/status/503/streamed"), Map.of(), stream("once"), text).statusCode());
      assertEquals(503, http.request("PUT", api("/status/503/buffered"), Map.of(), HttpRequest.BodyPublishers.ofString("again"), text)
          .statusCode());
      assertEquals(401, http.request("PUT", api("/expired/streamed"), Map.of(), stream("once"), text).statusCode());
      HttpResponse<String> renewed = http.request("PUT", api("/expired/buffered"), Map.of(), HttpRequest.BodyPublishers.ofString("x"), text);
      assertEquals("token_expired", Json.parseObject(renewed.body()).path("reason").asText());
    });
    assertEquals(1, hits("/api/status/503/streamed"), "a streamed body was sent again");
    assertEquals(1 + 2, hits("/api/status/503/buffered"), "a replayable PUT is retried as before");
    assertEquals(1, hits("/api/expired/streamed"), "a streamed body was sent again with a new token");
    assertEquals(1 + 1, hits("/api/expired/buffered"), "a replayable PUT is sent once more with a new token");
  }

  private static HttpRequest.BodyPublisher stream(String text) {
    return HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)));
  }

  private int hits(String path) {
    AtomicInteger count = stack.hits.get(path);
    return count == null ? 0 : count.get();
  }
}

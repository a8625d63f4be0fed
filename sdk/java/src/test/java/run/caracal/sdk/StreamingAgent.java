package run.caracal.sdk;

import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;

/**
 * An agent process for {@link StreamingTest}, run in a JVM with a small heap:
 * {@code download <profile> <url>} reads the response with {@code ofInputStream()} and prints the
 * status and the byte count; {@code upload <profile> <url> <file>} PUTs the file with
 * {@code BodyPublishers.ofFile} and prints the upstream's answer.
 */
public final class StreamingAgent {
  private StreamingAgent() {}

  public static void main(String[] args) throws Exception {
    Caracal caracal = Caracal.fromProfile(Path.of(args[1]));
    try (AgentSession session = caracal.spawn()) {
      Transport transport = caracal.transport();
      if (args[0].equals("download")) {
        HttpResponse<InputStream> response = transport.get(args[2], Map.of(), HttpResponse.BodyHandlers.ofInputStream());
        long total = 0;
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = response.body()) {
          for (int read; (read = in.read(buffer)) >= 0; ) total += read;
        }
        System.out.println(response.statusCode() + " " + total);
      } else {
        HttpResponse<String> response = transport.request("PUT", args[2], Map.of(),
            HttpRequest.BodyPublishers.ofFile(Path.of(args[3])), HttpResponse.BodyHandlers.ofString());
        System.out.println(response.statusCode() + " " + response.body());
      }
    }
  }
}

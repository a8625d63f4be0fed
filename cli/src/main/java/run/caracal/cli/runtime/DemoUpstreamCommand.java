package run.caracal.cli.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import run.caracal.cli.ExitCode;

/** `caracal demo-upstream`: a tiny HTTP API to protect in demos; it echoes what it received. */
@Command(name = "demo-upstream", mixinStandardHelpOptions = true,
    description = "Serve a small demo API on loopback that echoes each request as JSON (for quickstarts and demos).")
public final class DemoUpstreamCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Option(names = "--port", defaultValue = "9100", description = "Port (default: ${DEFAULT-VALUE}).")
  int port;

  @Override
  public Integer call() throws Exception {
    HttpServer server = start(port);
    spec.commandLine().getOut().println("demo upstream on http://127.0.0.1:" + server.getAddress().getPort());
    spec.commandLine().getOut().flush();
    new CountDownLatch(1).await();
    return ExitCode.OK.code();
  }

  static HttpServer start(int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext("/", exchange -> {
      byte[] body = exchange.getRequestBody().readAllBytes();
      Map<String, Object> echo = new LinkedHashMap<>();
      echo.put("service", "demo-upstream");
      echo.put("method", exchange.getRequestMethod());
      echo.put("path", exchange.getRequestURI().toString());
      echo.put("request_id", exchange.getRequestHeaders().getFirst("X-Request-Id"));
      echo.put("authorization_seen", exchange.getRequestHeaders().containsKey("Authorization"));
      echo.put("body_bytes", body.length);
      byte[] out = new ObjectMapper().writeValueAsBytes(echo);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, out.length);
      exchange.getResponseBody().write(out);
      exchange.close();
    });
    server.start();
    return server;
  }

}

package run.caracal.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import run.caracal.cli.admin.AdminClient;

/** The console answers approvals with the approver's token when it was given one, and does the rest as the admin. */
class ConsoleApiTest {
  private HttpServer server;
  private final List<String> seen = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      seen.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath() + " "
          + exchange.getRequestHeaders().getFirst("Authorization"));
      exchange.getRequestBody().readAllBytes();
      byte[] body = (exchange.getRequestURI().getPath().endsWith("/approvals") ? "[]" : "{\"state\":\"approved\"}")
          .getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().set("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @Test
  void approvals_goWithTheApproversToken_everythingElseWithTheAdmins() {
    AdminClient admin = new AdminClient(url(), "admin-token");
    ConsoleApi api = new ConsoleApi(admin, admin.withToken("apv_alice"));

    api.pendingApprovals("prod");
    api.answerApproval("apr_1", true);
    api.zones();

    assertEquals("Bearer apv_alice", seen.get(0).substring(seen.get(0).lastIndexOf("Bearer")), seen.toString());
    assertEquals("POST /admin/v1/approvals/apr_1/approve Bearer apv_alice", seen.get(1));
    assertEquals("Bearer admin-token", seen.get(2).substring(seen.get(2).lastIndexOf("Bearer")), seen.toString());
  }

  @Test
  void withoutAnApprover_theAdminAnswers() {
    ConsoleApi api = new ConsoleApi(new AdminClient(url(), "admin-token"));

    api.answerApproval("apr_2", false);

    assertEquals("POST /admin/v1/approvals/apr_2/deny Bearer admin-token", seen.get(0));
  }
}

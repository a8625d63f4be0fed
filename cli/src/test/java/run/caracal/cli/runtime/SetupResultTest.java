package run.caracal.cli.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** What `caracal setup` tells the user to run for an MCP resource. */
final class SetupResultTest {
  private static SetupCommand.Result result(String protocol) {
    return new SetupCommand.Result("zone_1", "dev", "app_1", "resource://files", "default", 1, Path.of("/w/caracal.toml"),
        Path.of("/w/a.secret"), true, "", "http://127.0.0.1:9000", "http://127.0.0.1:8000", "CARACAL_TOKEN_FILES", "/", protocol);
  }

  @Test
  void mcpUrl_resourceId_isTheGatewayMcpPathOfTheNameWithoutScheme() {
    assertEquals("http://127.0.0.1:9000/mcp/files", result("mcp").mcpUrl());
  }

  @Test
  void firstRequest_mcp_postsInitializeToTheMcpUrl() {
    String first = SetupCommand.firstRequest(result("mcp"));

    assertTrue(first.endsWith(" http://127.0.0.1:9000/mcp/files'"), first);
    assertTrue(first.contains("-d \"{\\\"jsonrpc\\\":\\\"2.0\\\",\\\"id\\\":1,\\\"method\\\":\\\"initialize\\\""), first);
    assertTrue(first.contains("Accept: application/json, text/event-stream"), first);
    assertFalse(first.contains("X-Caracal-Resource"), first);
  }

  @Test
  void firstRequest_http_namesTheResourceInAHeader() {
    assertTrue(SetupCommand.firstRequest(result("http")).contains("-H \"X-Caracal-Resource: resource://files\" http://127.0.0.1:9000/'"));
  }
}

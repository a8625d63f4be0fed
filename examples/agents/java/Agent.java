import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import run.caracal.sdk.AgentSession;
import run.caracal.sdk.Caracal;
import run.caracal.sdk.GatewayRequest;

public class Agent {
  public static void main(String[] args) {
    Caracal caracal = Caracal.create();
    String resourceId = System.getenv("CARACAL_RESOURCE_ID");
    String resourcePath = System.getenv("CARACAL_RESOURCE_PATH");

    try (AgentSession session = caracal.spawn()) {
      GatewayRequest request = caracal.gatewayRequest(resourceId, resourcePath);
      Map<String, String> headers = new HashMap<>(request.headers());
      headers.put("Content-Type", "application/json");
      HttpResponse<String> response = caracal.transport().post(request.url(), headers, "{\"amount\": 1200}");

      System.out.println(response.body());
    }
  }
}

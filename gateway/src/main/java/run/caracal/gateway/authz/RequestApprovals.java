package run.caracal.gateway.authz;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import run.caracal.control.approval.Approval;
import run.caracal.control.approval.ApprovalStore;
import run.caracal.control.pipeline.Approvals;
import run.caracal.engine.decision.Decision;
import run.caracal.engine.decision.DecisionInput;
import run.caracal.policy.input.Request;

/**
 * Binds approvals to one exact Gateway request: the digest of its zone, app, root session,
 * resource, scopes, method, path, query and body (the SHA-256 of a body the Gateway read; for an
 * MCP message the tool or prompt, URI and canonical arguments instead, so the JSON-RPC id does not
 * matter). Changing any of them needs a new approval. One per request.
 */
final class RequestApprovals implements Approvals {
  private static final ObjectMapper CANONICAL = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private final ApprovalStore store;
  private final String zoneId;
  private final String requestId;
  private final String appId;
  private final Optional<byte[]> body;
  private String digest;

  RequestApprovals(ApprovalStore store, String zoneId, String requestId, String appId, Optional<byte[]> body) {
    this.store = store;
    this.zoneId = zoneId;
    this.requestId = requestId;
    this.appId = appId;
    this.body = body;
  }

  @Override
  public Optional<String> approved(DecisionInput input, Decision held) {
    digest = digest(zoneId, input, body);
    return store.open(zoneId, digest).filter(a -> a.state() == Approval.State.APPROVED).map(Approval::id);
  }

  @Override
  public boolean use(String approvalId) {
    return store.claim(zoneId, digest, requestId, appId).filter(a -> a.id().equals(approvalId)).isPresent();
  }

  /** The digest of the request last asked about; null when no rule held it. */
  String digest() {
    return digest;
  }

  static String digest(String zoneId, DecisionInput input, Optional<byte[]> body) {
    Request r = input.request();
    StringBuilder text = new StringBuilder();
    for (String part : List.of(zoneId, input.principal().getId(), input.session().getRootId(), input.resource().getId(),
        String.join(" ", r.getScopesList().stream().sorted().toList()), r.getMethod(), r.getPath(),
        new TreeMap<>(r.getQueryMap()).toString())) {
      text.append(part.length()).append(':').append(part).append('\n');
    }
    if (r.hasMcp()) {
      text.append("mcp:").append(r.getMcp().getMethod()).append('\n').append(r.getMcp().getTool()).append('\n')
          .append(r.getMcp().getPrompt()).append('\n').append(r.getMcp().getUri()).append('\n').append(canonical(r));
    } else {
      text.append("body:").append(body.map(b -> HexFormat.of().formatHex(sha256(b))).orElse("-"));
    }
    return HexFormat.of().formatHex(sha256(text.toString().getBytes(StandardCharsets.UTF_8)));
  }

  private static String canonical(Request r) {
    try {
      Object tree = CANONICAL.readValue(JsonFormat.printer().print(r.getMcp().getArguments()), Object.class);
      return CANONICAL.writeValueAsString(tree);
    } catch (InvalidProtocolBufferException | JsonProcessingException e) {
      throw new IllegalStateException("arguments cannot be written canonically", e);
    }
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

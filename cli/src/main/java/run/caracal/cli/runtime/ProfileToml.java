package run.caracal.cli.runtime;

import java.nio.file.Path;
import java.util.List;
import run.caracal.sdk.Profile;

/**
 * The TOML text of a runtime profile as `caracal setup` writes it. Reading profiles is the Java
 * SDK's {@link Profile}, the one reader the CLI and agents share; this is only its writer.
 */
final class ProfileToml {
  private ProfileToml() {}

  /** A profile naming its secret file (absolute), never holding the secret itself. */
  static String of(String stsUrl, String gatewayUrl, String zoneId, String appId, Path secretFile, long ttl,
      List<Profile.Credential> credentials) {
    StringBuilder sb = new StringBuilder("# Caracal runtime profile, written by `caracal setup`.\n");
    sb.append("sts_url = ").append(q(stsUrl)).append('\n');
    sb.append("gateway_url = ").append(q(gatewayUrl)).append('\n');
    sb.append("zone_id = ").append(q(zoneId)).append('\n');
    sb.append("application_id = ").append(q(appId)).append('\n');
    sb.append("app_client_secret_file = ").append(q(secretFile.toAbsolutePath().toString())).append('\n');
    sb.append("ttl_seconds = ").append(ttl).append('\n');
    for (Profile.Credential c : credentials) {
      sb.append("\n[[credentials]]\n");
      sb.append("env = ").append(q(c.env())).append('\n');
      sb.append("resource = ").append(q(c.resource())).append('\n');
      sb.append("scopes = [").append(String.join(", ", c.scopes().stream().map(ProfileToml::q).toList())).append("]\n");
      c.upstreamPrefix().ifPresent(p -> sb.append("upstream_prefix = ").append(q(p)).append('\n'));
    }
    return sb.toString();
  }

  private static String q(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}

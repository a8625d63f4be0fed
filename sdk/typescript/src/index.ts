/**
 * Caracal SDK for Node.js (≥ 20): agent sessions, scoped resource tokens and Gateway-routed fetch.
 *
 * ```ts
 * import { Caracal } from "@caracalai/sdk";
 *
 * const caracal = new Caracal();             // the runtime profile from `caracal setup`
 * await caracal.spawn(async () => {          // an agent session, ended when the function settles
 *   const request = caracal.gatewayRequest("resource://billing-api", "/charge");
 *   const response = await caracal.transport()(request.url, {
 *     method: "POST",
 *     headers: { ...request.headers, "Content-Type": "application/json" },
 *     body: JSON.stringify({ amount: 1200 }),
 *   });
 * });
 * ```
 */

export { Caracal, type CaracalOptions, type GatewayRequest, type SpawnOptions } from "./client.js";
export {
  ApprovalDeniedError,
  ApprovalError,
  ApprovalExpiredError,
  ApprovalTimeoutError,
  CaracalError,
  ConfigError,
  GatewayError,
  NoActiveSessionError,
  SessionEndError,
  StsError,
  type ErrorDetails,
} from "./errors.js";
export { type Credential, type Env, type Profile, defaultEnvName, loadProfile, resolveProfile } from "./profile.js";
export { AgentSession, Grant } from "./session.js";
export { type CaracalFetch, type TransportOptions, type WaitForApproval } from "./transport.js";

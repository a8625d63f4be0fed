/**
 * The runtime profile: where the STS and Gateway are, which app this is, its secret, the session
 * lifetime and the credentials (resource, scopes, upstream prefix) the agent works with.
 *
 * Resolution, first match wins:
 * 1. `CARACAL_CONFIG`: the TOML profile written by `caracal setup`;
 * 2. `CARACAL_*` environment variables, when `CARACAL_STS_URL` or `CARACAL_APPLICATION_ID` is set:
 *    `CARACAL_STS_URL`, `CARACAL_APPLICATION_ID`, `CARACAL_APP_CLIENT_SECRET_FILE` or
 *    `CARACAL_APP_CLIENT_SECRET`, `CARACAL_GATEWAY_URL`, `CARACAL_ZONE_ID`, `CARACAL_TTL_SECONDS`,
 *    and optionally one credential from `CARACAL_RESOURCE` + `CARACAL_SCOPES`;
 * 3. `$XDG_CONFIG_HOME/caracal/caracal.toml` (`~/.config/caracal/caracal.toml`).
 *
 * Unknown keys, a secret file readable by group or others, and both an inline and a file secret
 * are errors. Profiles are frozen values.
 */

import { readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { ConfigError } from "./errors.js";
import { parse as parseToml, TomlError, type TomlTable, type TomlValue } from "smol-toml";

export const DEFAULT_TTL_SECONDS = 1800;

/** One resource the agent calls. */
export interface Credential {
  readonly resource: string;
  readonly scopes: readonly string[];
  /** The variable `caracal run` puts this resource's token in. */
  readonly env: string;
  /** URLs under this prefix are routed through the Gateway by `transport()`. */
  readonly upstreamPrefix?: string | undefined;
}

/** A resolved runtime profile. `source` is the file path or `"environment"`. */
export interface Profile {
  readonly stsUrl: string;
  readonly gatewayUrl: string;
  readonly zoneId: string;
  readonly applicationId: string;
  readonly secret: string;
  readonly ttlSeconds: number;
  readonly credentials: readonly Credential[];
  readonly source: string;
}

export type Env = Record<string, string | undefined>;

const TOP_KEYS = new Set(["sts_url", "gateway_url", "zone_id", "application_id", "app_client_secret_file",
  "app_client_secret", "ttl_seconds", "credentials"]);
const CREDENTIAL_KEYS = new Set(["env", "resource", "scopes", "upstream_prefix"]);
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** `resource://billing-api` → `CARACAL_TOKEN_BILLING_API` (as `caracal run` names it). */
export function defaultEnvName(resource: string): string {
  let last = resource.replace(/\/+$/, "");
  last = last.slice(last.lastIndexOf("/") + 1);
  return "CARACAL_TOKEN_" + last.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** Resolves the profile from `env` (default `process.env`) in the documented order. Throws {@link ConfigError}. */
export function resolveProfile(env: Env = process.env): Profile {
  const config = env["CARACAL_CONFIG"] ?? "";
  if (config.trim() !== "") {
    return loadProfile(config);
  }
  if (env["CARACAL_STS_URL"] || env["CARACAL_APPLICATION_ID"]) {
    return fromEnvironment(env);
  }
  const fallback = xdgProfile(env);
  if (isFile(fallback)) {
    return loadProfile(fallback);
  }
  throw new ConfigError("no caracal configuration: set CARACAL_CONFIG to the runtime profile written by `caracal setup`, "
    + "or set CARACAL_STS_URL, CARACAL_APPLICATION_ID and CARACAL_APP_CLIENT_SECRET_FILE "
    + `(or CARACAL_APP_CLIENT_SECRET), or create \`${fallback}\``);
}

/** Loads and checks one TOML profile file. Throws {@link ConfigError}. */
export function loadProfile(path: string): Profile {
  const file = resolve(path);
  if (!isFile(file)) {
    throw new ConfigError(`profile \`${path}\` does not exist (CARACAL_CONFIG should name the file \`caracal setup\` wrote)`);
  }
  let root: TomlTable;
  try {
    root = parseToml(readFileSync(file, "utf8"));
  } catch (e) {
    if (e instanceof TomlError) {
      // smol-toml adds the offending line and a caret on further lines; the message stays one line
      throw new ConfigError(`profile \`${path}\` is not valid TOML: ${e.message.split("\n")[0]}`);
    }
    throw new ConfigError(`cannot read profile \`${path}\`: ${(e as Error).message}`);
  }
  const where = path;
  checkKeys(root, TOP_KEYS, where);
  const secret = fileSecret(root, file, where);
  const raw = root["credentials"] ?? [];
  if (!Array.isArray(raw) || !raw.every(isTable)) {
    throw new ConfigError(`${where}: \`credentials\` must be an array of tables ([[credentials]])`);
  }
  const credentials = (raw as TomlTable[]).map((c, i): Credential => {
    const at = `${where}: credentials[${i}]`;
    checkKeys(c, CREDENTIAL_KEYS, at);
    const resource = string(c, "resource", at, true);
    const scopes = c["scopes"];
    if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every((s) => typeof s === "string" && s !== "")) {
      throw new ConfigError(`${at}: \`scopes\` must list at least one scope`);
    }
    const env = string(c, "env", at) || defaultEnvName(resource);
    if (!ENV_NAME.test(env)) {
      throw new ConfigError(`${at}: \`env\` \`${env}\` must be an upper-case environment variable name`);
    }
    const prefix = string(c, "upstream_prefix", at);
    return Object.freeze({ resource, scopes: Object.freeze([...(scopes as string[])]), env, upstreamPrefix: prefix || undefined });
  });
  const ttl = root["ttl_seconds"] ?? DEFAULT_TTL_SECONDS;
  if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl <= 0) {
    throw new ConfigError(`${where}: \`ttl_seconds\` must be a positive integer`);
  }
  return freeze({
    stsUrl: string(root, "sts_url", where, true),
    gatewayUrl: string(root, "gateway_url", where, true),
    zoneId: string(root, "zone_id", where, true),
    applicationId: string(root, "application_id", where, true),
    secret,
    ttlSeconds: ttl,
    credentials,
    source: path,
  });
}

function fromEnvironment(env: Env): Profile {
  const missing = ["CARACAL_STS_URL", "CARACAL_APPLICATION_ID"].filter((name) => !(env[name] ?? "").trim());
  const inline = env["CARACAL_APP_CLIENT_SECRET"];
  const secretFile = env["CARACAL_APP_CLIENT_SECRET_FILE"];
  if (inline && secretFile) {
    throw new ConfigError("set only one of CARACAL_APP_CLIENT_SECRET and CARACAL_APP_CLIENT_SECRET_FILE");
  }
  if (!inline && !secretFile) {
    missing.push("CARACAL_APP_CLIENT_SECRET_FILE (or CARACAL_APP_CLIENT_SECRET)");
  }
  if (missing.length > 0) {
    throw new ConfigError(`incomplete caracal environment (and CARACAL_CONFIG names no profile): missing ${missing.join(", ")}`);
  }
  const secret = inline ? inline.trim() : readSecretFile(secretFile!, "CARACAL_APP_CLIENT_SECRET_FILE");
  if (!secret) {
    throw new ConfigError("CARACAL_APP_CLIENT_SECRET is empty");
  }
  const ttlText = (env["CARACAL_TTL_SECONDS"] ?? "").trim();
  const ttl = ttlText === "" ? DEFAULT_TTL_SECONDS : /^\d+$/.test(ttlText) ? Number(ttlText) : 0;
  if (ttl <= 0) {
    throw new ConfigError(`CARACAL_TTL_SECONDS \`${ttlText}\` must be a positive integer`);
  }
  const credentials: Credential[] = [];
  const resource = (env["CARACAL_RESOURCE"] ?? "").trim();
  if (resource) {
    const scopes = (env["CARACAL_SCOPES"] ?? "").split(/[ ,]+/).filter((s) => s !== "");
    if (scopes.length === 0) {
      throw new ConfigError("CARACAL_RESOURCE is set but CARACAL_SCOPES lists no scope");
    }
    credentials.push(Object.freeze({ resource, scopes: Object.freeze(scopes), env: defaultEnvName(resource), upstreamPrefix: undefined }));
  }
  return freeze({
    stsUrl: env["CARACAL_STS_URL"]!.trim(),
    gatewayUrl: (env["CARACAL_GATEWAY_URL"] ?? "").trim(),
    zoneId: (env["CARACAL_ZONE_ID"] ?? "").trim(),
    applicationId: env["CARACAL_APPLICATION_ID"]!.trim(),
    secret,
    ttlSeconds: ttl,
    credentials,
    source: "environment",
  });
}

function freeze(profile: Profile): Profile {
  // the secret stays out of JSON.stringify / console.log
  const out = { ...profile, credentials: Object.freeze([...profile.credentials]) };
  Object.defineProperty(out, "secret", { value: profile.secret, enumerable: false });
  return Object.freeze(out);
}

function xdgProfile(env: Env): string {
  let xdg = (env["XDG_CONFIG_HOME"] ?? "").trim();
  if (!xdg) {
    const home = (env["HOME"] ?? "").trim() || homedir();
    xdg = join(home, ".config");
  }
  return join(xdg, "caracal", "caracal.toml");
}

function fileSecret(root: TomlTable, file: string, where: string): string {
  const inline = root["app_client_secret"];
  const path = root["app_client_secret_file"];
  if (inline !== undefined && path !== undefined) {
    throw new ConfigError(`${where}: set only one of \`app_client_secret\` and \`app_client_secret_file\``);
  }
  if (inline !== undefined) {
    if (typeof inline !== "string" || !inline.trim()) {
      throw new ConfigError(`${where}: \`app_client_secret\` must be a non-empty string`);
    }
    return inline.trim();
  }
  if (path === undefined) {
    throw new ConfigError(`${where}: missing \`app_client_secret_file\``);
  }
  if (typeof path !== "string" || !path) {
    throw new ConfigError(`${where}: \`app_client_secret_file\` must be a path`);
  }
  return readSecretFile(isAbsolute(path) ? path : join(dirname(file), path), where);
}

function readSecretFile(path: string, where: string): string {
  let info;
  try {
    info = statSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") {
      throw new ConfigError(`${where}: secret file \`${path}\` does not exist`);
    }
    throw new ConfigError(`${where}: cannot read secret file \`${path}\`: ${(e as Error).message}`);
  }
  if (!info.isFile()) {
    throw new ConfigError(`${where}: secret file \`${path}\` is not a regular file`);
  }
  if (process.platform !== "win32" && (info.mode & 0o077) !== 0) {
    throw new ConfigError(`secret file \`${path}\` is readable by group or others; run \`chmod 600 ${path}\``);
  }
  const secret = readFileSync(path, "utf8").trim();
  if (!secret) {
    throw new ConfigError(`secret file \`${path}\` is empty`);
  }
  return secret;
}

function checkKeys(table: TomlTable, allowed: Set<string>, where: string): void {
  for (const key of Object.keys(table)) {
    if (!allowed.has(key)) {
      throw new ConfigError(`${where}: unknown key \`${key}\` (expected one of ${[...allowed].sort().join(", ")})`);
    }
  }
}

function string(table: TomlTable, key: string, where: string, required = false): string {
  const value = table[key];
  if (value === undefined || (typeof value === "string" && !value.trim())) {
    if (required) {
      throw new ConfigError(`${where}: missing \`${key}\``);
    }
    return "";
  }
  if (typeof value !== "string") {
    throw new ConfigError(`${where}: \`${key}\` must be a string`);
  }
  return value.trim();
}

function isTable(value: TomlValue): value is TomlTable {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

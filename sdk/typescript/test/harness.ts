/**
 * A real Caracal stack for the integration tests: the built CLI jar runs `serve` on a temporary
 * `CARACAL_HOME` (ports 0), a small upstream echoes what reaches it, and `caracal setup` writes
 * runtime profiles against both, non-interactively.
 *
 * The jar is `$CARACAL_JAR` or `cli/target/caracal.jar` in the repository (`sdk/run-tests.sh`
 * builds it); it is copied first, so a concurrent Maven build cannot swap it mid-run. Without a jar
 * (or a `java`) the integration tests are skipped with a message, unless
 * `CARACAL_SDK_REQUIRE_SERVER=1` makes that a failure.
 */

import { execFile, spawn, type ChildProcess } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The repository root (this file runs from sdk/typescript/dist/test). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
export const SDK_TYPESCRIPT = join(REPO, "sdk", "typescript");
const START_TIMEOUT_MS = Number(process.env["CARACAL_SDK_START_TIMEOUT"] ?? "120") * 1000;
const BUILD_HINT = `cd ${REPO} && ./mvnw -q -pl cli -am install -DskipTests`;

/** Why the stack cannot run here, or undefined when it can; throws when it must run. */
export function unavailable(): string | undefined {
  const jar = jarPath();
  let problem: string | undefined;
  if (!existsSync(jar)) {
    problem = `the caracal jar is not built (${jar} is missing; build it with \`${BUILD_HINT}\`)`;
  } else if (!javaPath()) {
    problem = "no `java` on PATH (set JAVA_HOME or CARACAL_JAVA)";
  }
  if (problem && process.env["CARACAL_SDK_REQUIRE_SERVER"] === "1") {
    throw new Error(problem);
  }
  return problem ? `integration tests skipped: ${problem}` : undefined;
}

function jarPath(): string {
  return process.env["CARACAL_JAR"] || join(REPO, "cli", "target", "caracal.jar");
}

function javaPath(): string | undefined {
  if (process.env["CARACAL_JAVA"]) return process.env["CARACAL_JAVA"];
  if (process.env["JAVA_HOME"]) return join(process.env["JAVA_HOME"], "bin", "java");
  for (const dir of (process.env["PATH"] ?? "").split(delimiter)) {
    const candidate = join(dir, "java");
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

export interface Seen {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * An HTTP server on 127.0.0.1 that answers every request with JSON describing it. A path with
 * `/status/<code>` answers with that status; `hits` counts requests by path.
 */
export class Upstream {
  readonly hits = new Map<string, number>();
  url = "";
  private readonly server: Server;

  constructor() {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const path = req.url ?? "/";
        this.hits.set(path, (this.hits.get(path) ?? 0) + 1);
        const segments = path.split("?")[0]!.split("/");
        const at = segments.indexOf("status");
        const status = at >= 0 && at < segments.length - 1 ? Number(segments[at + 1]) : 200;
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) headers[name] = Array.isArray(value) ? value.join(", ") : value ?? "";
        const payload = JSON.stringify({ method: req.method, path, headers, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(payload) });
        res.end(req.method === "HEAD" ? undefined : payload);
      });
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((ok) => this.server.listen(0, "127.0.0.1", ok));
    const address = this.server.address();
    if (address === null || typeof address === "string") throw new Error("upstream has no port");
    this.url = `http://127.0.0.1:${address.port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }
}

/** One running server + upstream in a temporary directory. */
export class Stack {
  readonly upstream = new Upstream();
  stsUrl = "";
  gatewayUrl = "";
  private process: ChildProcess | undefined;
  private exited = false;

  private constructor(readonly work: string, readonly jar: string, readonly java: string) {}

  get home(): string {
    return join(this.work, "home");
  }

  static async start(): Promise<Stack> {
    const work = mkdtempSync(join(tmpdir(), "caracal-sdk-ts-"));
    const jar = join(work, "caracal.jar");
    copyFileSync(jarPath(), jar);
    const stack = new Stack(work, jar, javaPath() ?? "java");
    try {
      await stack.upstream.start();
      await stack.serve();
    } catch (e) {
      await stack.stop();
      throw e;
    }
    return stack;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [name, value] of Object.entries(process.env)) {
      if (value !== undefined && (!name.startsWith("CARACAL_") || name === "CARACAL_JAVA")) env[name] = value;
    }
    return { ...env, CARACAL_HOME: this.home, ...extra };
  }

  private async serve(): Promise<void> {
    mkdirSync(this.home, { mode: 0o700 });
    const log = openSync(join(this.work, "server.log"), "w");
    this.process = spawn(this.java, ["-Xmx768m", "-jar", this.jar, "serve", "--sts-port", "0", "--gateway-port", "0"],
      { env: this.env(), stdio: ["ignore", log, log] });
    closeSync(log);
    this.process.on("exit", () => { this.exited = true; });
    const deadline = Date.now() + START_TIMEOUT_MS;
    const stateFile = join(this.home, "server.json");
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`caracal serve exited early:\n${this.serverLog()}`);
      if (existsSync(stateFile)) {
        try {
          const state = JSON.parse(readFileSync(stateFile, "utf8")) as { sts_url: string; gateway_url: string };
          this.stsUrl = state.sts_url;
          this.gatewayUrl = state.gateway_url;
          const ready = await fetch(`${this.stsUrl}/.well-known/oauth-authorization-server`).then((r) => r.ok, () => false);
          if (ready) return;
        } catch {
          // being written
        }
      }
      await new Promise((ok) => setTimeout(ok, 250));
    }
    throw new Error(`caracal serve did not start within ${START_TIMEOUT_MS / 1000} s:\n${this.serverLog()}`);
  }

  serverLog(): string {
    try {
      return readFileSync(join(this.work, "server.log"), "utf8").slice(-4000);
    } catch {
      return "";
    }
  }

  /** Runs `caracal ARGS` from the jar against this server. */
  cli(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return run(this.java, ["-jar", this.jar, ...args], { env: this.env(), timeout: 180_000, maxBuffer: 16 << 20 });
  }

  /** `caracal setup` for a new app; returns the profile path (secret file beside it). */
  async setup(zone: string, app: string, resource: string, scopes: string, upstream: string): Promise<string> {
    const folder = join(this.work, "profiles", `${zone}-${app}`);
    const profile = join(folder, "caracal.toml");
    try {
      await this.cli("setup", "--zone", zone, "--app", app, "--resource-id", resource, "--scopes", scopes,
        "--upstream", upstream, "--profile", profile, "--secret-file", join(folder, `${app}.secret`), "--yes");
    } catch (e) {
      const failed = e as { stdout?: string; stderr?: string; message: string };
      throw new Error(`caracal setup failed: ${failed.message}\n${failed.stdout ?? ""}\n${failed.stderr ?? ""}`);
    }
    return profile;
  }

  /** One admin API call with the admin token from `$CARACAL_HOME/admin.token`. */
  async admin(method: string, path: string, body?: unknown): Promise<unknown> {
    const token = readFileSync(join(this.home, "admin.token"), "utf8").trim();
    const response = await fetch(this.stsUrl + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`admin ${method} ${path} failed: ${response.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  async stop(): Promise<void> {
    const child = this.process;
    if (child && !this.exited) {
      const gone = new Promise<void>((ok) => child.once("exit", () => ok()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await gone;
      clearTimeout(timer);
    }
    await this.upstream.stop().catch(() => undefined);
    rmSync(this.work, { recursive: true, force: true });
  }
}

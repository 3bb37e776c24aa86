/**
 * Test helper: runs `main.ts` as a separate process, exactly as `deno task start` does (its own
 * permission flags, no -A), and finds the URL it serves from its JSON log lines.
 * @module
 */

const ROOT = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const deno = JSON.parse(await Deno.readTextFile(`${ROOT}/deno.json`));
/** The start task's own flags. */
export const START_FLAGS: string[] = (deno.tasks.start as string).split(/\s+/).filter((a) =>
  a.startsWith("--")
);
/** The repository root (the processes' working directory). */
export const REPO_ROOT = ROOT;

/** Log kept per process (the tail, so a long run cannot grow it without bound). */
const LOG_KEEP = 512 * 1024;

/** A running `main.ts`. */
export class RoleProcess {
  readonly child: Deno.ChildProcess;
  readonly name: string;
  #log = "";
  #pumped: Promise<void>;

  private constructor(name: string, child: Deno.ChildProcess) {
    this.name = name;
    this.child = child;
    this.#pumped = this.#pump();
  }

  /**
   * Spawns `main.ts args` with `env` added to this process's environment; `preload` modules run
   * first (test seams such as the virtual clock).
   */
  static spawn(
    name: string,
    args: string[],
    env: Record<string, string>,
    preload: string[] = [],
  ): RoleProcess {
    const child = new Deno.Command("deno", {
      args: ["run", ...START_FLAGS, ...preload.map((p) => `--preload=${p}`), "main.ts", ...args],
      cwd: ROOT,
      env: { NO_COLOR: "1", ...env },
      clearEnv: false,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    return new RoleProcess(name, child);
  }

  get pid(): number {
    return this.child.pid;
  }

  /** Everything logged so far (the tail). */
  get log(): string {
    return this.#log;
  }

  async #pump(): Promise<void> {
    const reader = this.child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        this.#log += value;
        if (this.#log.length > LOG_KEEP) this.#log = this.#log.slice(-LOG_KEEP);
      }
    } catch { /* the process died */ }
  }

  /** Waits until a log line matches `re` (checked every 50 ms); returns the match. */
  async waitForLog(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const m = this.#log.match(re);
      if (m) return m;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(
      `${this.name}: no log line matching ${re} within ${timeoutMs} ms:\n${this.#log}`,
    );
  }

  /** The URL the process serves (the API, or /health and /metrics only). */
  async url(timeoutMs = 20_000): Promise<string> {
    const m = await this.waitForLog(
      /"msg":"(?:api|ops endpoints) listening","url":"([^"]+)"/,
      timeoutMs,
    );
    return m[1];
  }

  /** Sends `signal` (ignored when the process is gone). */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    try {
      this.child.kill(signal);
    } catch { /* already exited */ }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit status. */
  async stop(graceMs = 10_000): Promise<Deno.CommandStatus> {
    this.kill("SIGTERM");
    let timer: ReturnType<typeof setTimeout> | undefined;
    const forced = new Promise<void>((r) => {
      timer = setTimeout(() => {
        this.kill("SIGKILL");
        r();
      }, graceMs);
    });
    const status = await Promise.race([this.child.status, forced.then(() => this.child.status)]);
    clearTimeout(timer);
    await this.#pumped;
    return status;
  }
}

/** Sum of a Prometheus metric's samples in `text` whose labels include `labels`. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have: Record<string, string> = {};
    for (const kv of (m[3] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      have[kv[1]] = kv[2];
    }
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) sum += Number(m[4]);
  }
  return sum;
}

/** GETs `url` as JSON with a timeout; returns status and body. */
export async function getJson(url: string, timeoutMs = 5000): Promise<[number, unknown]> {
  const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return [r.status, await r.json()];
}

/** GETs `url` as text with a timeout. */
export async function getText(url: string, timeoutMs = 5000): Promise<string> {
  const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  return await r.text();
}

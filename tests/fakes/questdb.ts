/**
 * A local QuestDB stand-in for tests: the HTTP endpoints the questdb store uses, implemented as
 * QuestDB documents them.
 *
 * - `POST /write` — InfluxDB line protocol (text, plus protocol v2 binary doubles `name==\x10<f64>`).
 *   204 on success. A bad line rejects the whole request (nothing committed) with 400 and
 *   `{"code":"invalid","message":"failed to parse line protocol:errors encountered on line(s):\n
 *   error in line N: ...","line":N,"errorId":"..."}`. Unknown tables and columns are created from
 *   the first row, as QuestDB's auto-creation does; DEDUP UPSERT KEYS replace rows on insert.
 * - `GET /exec?query=` — JSON `{"query","columns":[{name,type}],"timestamp":i,"dataset":[[..]],
 *   "count"}`; DDL answers `{"ddl":"OK"}`; errors are 400 `{"query","error","position"}`.
 *   SQL supported: CREATE TABLE [IF NOT EXISTS] (cols) TIMESTAMP(c) PARTITION BY u [WAL]
 *   [DEDUP UPSERT KEYS(..)]; SELECT cols|* FROM t [WHERE a op lit AND ..] [LATEST ON ts PARTITION
 *   BY ..] [ORDER BY c [ASC|DESC], ..] [LIMIT n].
 * - `GET /settings` — advertises `line.proto.support.versions` (default [1, 2]) for the client's
 *   protocol negotiation. `GET /ping` — 204.
 *
 * Test controls: `failWrites(n, status)` answers the next n writes with a server error,
 * `stop()`/`restart()` close and reopen the listener on the same port (QuestDB unreachable),
 * `hang()`/`unhang()` accept requests but leave them unanswered (a hung server or a black-holed
 * load balancer; `unhang()` and `stop()` then answer them 503). With `tls` it serves HTTPS.
 *
 * Run standalone: `deno run --allow-net=127.0.0.1 tests/fakes/questdb.ts [port]`.
 * @module
 */

/** Column types the fake understands. */
export type ColumnType =
  | "SYMBOL"
  | "DOUBLE"
  | "LONG"
  | "VARCHAR"
  | "STRING"
  | "BOOLEAN"
  | "TIMESTAMP";
const TYPES = new Set<string>([
  "SYMBOL",
  "DOUBLE",
  "LONG",
  "VARCHAR",
  "STRING",
  "BOOLEAN",
  "TIMESTAMP",
]);
const PARTITIONS = new Set(["NONE", "YEAR", "MONTH", "WEEK", "DAY", "HOUR"]);

/** A value as stored: numbers, strings, booleans, bigint micros for timestamps, or null. */
type Value = number | string | boolean | null;

/** One table: schema, designated timestamp, dedup keys, rows keyed for upsert. */
export interface FakeTable {
  name: string;
  columns: { name: string; type: ColumnType }[];
  timestamp: string | null;
  partitionBy: string;
  wal: boolean;
  dedupKeys: string[] | null;
  rows: Map<string, Record<string, Value>>;
}

/** Options of the fake. */
export interface FakeQuestDbOptions {
  port?: number;
  /** ILP versions advertised by /settings; [] mimics an old server without the key. */
  protocolVersions?: number[];
  /** When set, requests must carry these Basic credentials or this Bearer token. */
  auth?: { username: string; password: string } | { token: string };
  /** Serve HTTPS with this certificate chain and key (PEM). */
  tls?: { cert: string; key: string };
}

class SqlError extends Error {
  constructor(message: string, readonly position: number) {
    super(message);
  }
}

class LineError extends Error {
  constructor(message: string, readonly line: number) {
    super(message);
  }
}

/** Formats epoch micros as QuestDB prints a TIMESTAMP: `2024-01-01T00:00:00.000000Z`. */
export function formatMicros(us: number): string {
  const ms = Math.floor(us / 1000);
  const iso = new Date(ms).toISOString(); // ...sss Z
  const micros = String(((us % 1000) + 1000) % 1000).padStart(3, "0");
  return `${iso.slice(0, 23)}${micros}Z`;
}

/** Parses a QuestDB timestamp literal (ISO 8601, up to microseconds) into epoch micros. */
export function parseTimestampLiteral(s: string): number | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2})?)(?:\.(\d{1,6}))?)?Z?$/.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}T${m[2] ?? "00:00:00"}${m[2]?.length === 5 ? ":00" : ""}Z`);
  if (Number.isNaN(ms)) return undefined;
  const frac = (m[3] ?? "").padEnd(6, "0");
  return ms * 1000 + Number(frac);
}

// ---------------------------------------------------------------- ILP parsing

interface IlpRow {
  table: string;
  symbols: [string, string][];
  fields: [string, IlpValue][];
  /** Designated timestamp in micros, or null for server time. */
  ts: number | null;
  line: number;
}

type IlpValue =
  | { kind: "double"; v: number }
  | { kind: "long"; v: number }
  | { kind: "string"; v: string }
  | { kind: "boolean"; v: boolean }
  | { kind: "timestamp"; v: number };

const SP = 0x20, COMMA = 0x2c, EQ = 0x3d, NL = 0x0a, BS = 0x5c, QUOTE = 0x22, CR = 0x0d;
const dec = new TextDecoder("utf-8", { fatal: true });

function parseIlp(buf: Uint8Array, precision: string): IlpRow[] {
  const rows: IlpRow[] = [];
  let pos = 0;
  let line = 0;
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);

  const readName = (stops: number[], what: string): string => {
    const start = pos;
    const out: number[] = [];
    while (pos < buf.length && !stops.includes(buf[pos]) && buf[pos] !== NL) {
      if (buf[pos] === BS && pos + 1 < buf.length && buf[pos + 1] !== NL) pos++;
      out.push(buf[pos++]);
    }
    if (pos === start) throw new LineError(`empty ${what}`, line);
    try {
      return dec.decode(new Uint8Array(out));
    } catch {
      throw new LineError(`invalid UTF-8 in ${what}`, line);
    }
  };

  const readValue = (col: string, table: string): IlpValue => {
    if (buf[pos] === EQ) {
      // Protocol v2 binary entity: '=' <type> <payload>.
      pos++;
      const type = buf[pos++];
      if (type !== 16) {
        throw new LineError(
          `table: ${table}, column: ${col}; unsupported binary type ${type}`,
          line,
        );
      }
      if (pos + 8 > buf.length) {
        throw new LineError(`table: ${table}, column: ${col}; truncated double`, line);
      }
      const v = view.getFloat64(pos, true);
      pos += 8;
      return { kind: "double", v };
    }
    if (buf[pos] === QUOTE) {
      pos++;
      const out: number[] = [];
      while (pos < buf.length && buf[pos] !== QUOTE) {
        if (buf[pos] === BS && pos + 1 < buf.length) pos++;
        out.push(buf[pos++]);
      }
      if (pos >= buf.length) {
        throw new LineError(`table: ${table}, column: ${col}; unterminated string`, line);
      }
      pos++;
      return { kind: "string", v: dec.decode(new Uint8Array(out)) };
    }
    const start = pos;
    while (pos < buf.length && buf[pos] !== COMMA && buf[pos] !== SP && buf[pos] !== NL) pos++;
    const raw = dec.decode(buf.subarray(start, pos));
    if (raw === "t" || raw === "true" || raw === "T" || raw === "True") {
      return { kind: "boolean", v: true };
    }
    if (raw === "f" || raw === "false" || raw === "F" || raw === "False") {
      return { kind: "boolean", v: false };
    }
    const num = /^-?\d+$/;
    if (raw.endsWith("i") && num.test(raw.slice(0, -1))) {
      return { kind: "long", v: Number(raw.slice(0, -1)) };
    }
    if (raw.endsWith("t") && num.test(raw.slice(0, -1))) {
      return { kind: "timestamp", v: Number(raw.slice(0, -1)) };
    }
    if (raw.endsWith("n") && num.test(raw.slice(0, -1))) {
      return { kind: "timestamp", v: Math.floor(Number(raw.slice(0, -1)) / 1000) };
    }
    if (
      /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw) || raw === "NaN" || raw === "Infinity" ||
      raw === "-Infinity"
    ) {
      return { kind: "double", v: Number(raw) };
    }
    throw new LineError(`table: ${table}, column: ${col}; invalid field value: ${raw}`, line);
  };

  while (pos < buf.length) {
    line++;
    while (pos < buf.length && (buf[pos] === NL || buf[pos] === CR)) pos++;
    if (pos >= buf.length) break;
    const table = readName([COMMA, SP], "table name");
    const row: IlpRow = { table, symbols: [], fields: [], ts: null, line };
    while (buf[pos] === COMMA) {
      pos++;
      const k = readName([EQ, COMMA, SP], "symbol name");
      if (buf[pos] !== EQ) throw new LineError(`table: ${table}; symbol ${k} has no value`, line);
      pos++;
      row.symbols.push([k, readName([COMMA, SP], "symbol value")]);
    }
    if (buf[pos] === SP) {
      pos++;
      do {
        if (buf[pos] === COMMA) pos++;
        const k = readName([EQ, COMMA, SP], "column name");
        if (buf[pos] !== EQ) throw new LineError(`table: ${table}; column ${k} has no value`, line);
        pos++;
        row.fields.push([k, readValue(k, table)]);
      } while (buf[pos] === COMMA);
    }
    if (buf[pos] === SP) {
      pos++;
      const start = pos;
      while (pos < buf.length && buf[pos] !== NL) pos++;
      const raw = dec.decode(buf.subarray(start, pos)).trim();
      const m = /^(-?\d+)([tnm]?)$/.exec(raw);
      if (!m) throw new LineError(`table: ${table}; invalid timestamp: ${raw}`, line);
      const v = Number(m[1]);
      const unit = m[2] || (precision === "u" ? "t" : precision === "ms" ? "m" : "n");
      row.ts = unit === "t" ? v : unit === "m" ? v * 1000 : Math.floor(v / 1000);
    }
    if (pos < buf.length && buf[pos] !== NL) {
      throw new LineError(
        `table: ${table}; unexpected character '${String.fromCharCode(buf[pos])}'`,
        line,
      );
    }
    if (row.symbols.length === 0 && row.fields.length === 0) {
      throw new LineError(`table: ${table}; no columns`, line);
    }
    pos++;
    rows.push(row);
  }
  return rows;
}

const ILP_KIND_NAME: Record<IlpValue["kind"], string> = {
  double: "FLOAT",
  long: "LONG",
  string: "STRING",
  boolean: "BOOLEAN",
  timestamp: "TIMESTAMP",
};

function inferType(v: IlpValue): ColumnType {
  switch (v.kind) {
    case "double":
      return "DOUBLE";
    case "long":
      return "LONG";
    case "string":
      return "VARCHAR";
    case "boolean":
      return "BOOLEAN";
    case "timestamp":
      return "TIMESTAMP";
  }
}

function coerce(v: IlpValue, type: ColumnType, table: string, col: string, line: number): Value {
  const bad = () =>
    new LineError(
      `table: ${table}, column: ${col}; cast error from protocol type: ${
        ILP_KIND_NAME[v.kind]
      } to column type: ${type}`,
      line,
    );
  switch (type) {
    case "DOUBLE":
      if (v.kind === "double" || v.kind === "long") return Number.isNaN(v.v) ? null : v.v;
      throw bad();
    case "LONG":
      if (v.kind === "long") return v.v;
      throw bad();
    case "VARCHAR":
    case "STRING":
      if (v.kind === "string") return v.v;
      throw bad();
    case "BOOLEAN":
      if (v.kind === "boolean") return v.v;
      throw bad();
    case "TIMESTAMP":
      if (v.kind === "timestamp") return v.v;
      throw bad();
    case "SYMBOL":
      if (v.kind === "string") return v.v;
      throw bad();
  }
}

// ---------------------------------------------------------------- SQL

interface Token {
  kind: "ident" | "qident" | "string" | "number" | "punct" | "end";
  text: string;
  pos: number;
}

function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i];
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'") {
      let s = "";
      i++;
      for (;;) {
        if (i >= sql.length) throw new SqlError("unclosed quoted string", start);
        if (sql[i] === "'") {
          if (sql[i + 1] === "'") {
            s += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        s += sql[i++];
      }
      out.push({ kind: "string", text: s, pos: start });
    } else if (c === '"') {
      const end = sql.indexOf('"', i + 1);
      if (end < 0) throw new SqlError("unclosed quoted identifier", start);
      out.push({ kind: "qident", text: sql.slice(i + 1, end), pos: start });
      i = end + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < sql.length && /[A-Za-z0-9_]/.test(sql[i])) i++;
      out.push({ kind: "ident", text: sql.slice(start, i), pos: start });
    } else if (/[0-9-]/.test(c) && (c !== "-" || /[0-9]/.test(sql[i + 1] ?? ""))) {
      i++;
      while (i < sql.length && /[0-9.]/.test(sql[i])) i++;
      out.push({ kind: "number", text: sql.slice(start, i), pos: start });
    } else if ((c === ">" || c === "<" || c === "!") && sql[i + 1] === "=") {
      out.push({ kind: "punct", text: c + "=", pos: start });
      i += 2;
    } else if ("(),;=<>*".includes(c)) {
      out.push({ kind: "punct", text: c, pos: start });
      i++;
    } else {
      throw new SqlError(`unexpected character '${c}'`, start);
    }
  }
  out.push({ kind: "end", text: "", pos: sql.length });
  return out;
}

class Parser {
  i = 0;
  constructor(readonly t: Token[]) {}
  peek(): Token {
    return this.t[this.i];
  }
  next(): Token {
    return this.t[this.i++];
  }
  isKw(kw: string): boolean {
    const p = this.peek();
    return p.kind === "ident" && p.text.toUpperCase() === kw;
  }
  kw(kw: string): void {
    const p = this.next();
    if (p.kind !== "ident" || p.text.toUpperCase() !== kw) {
      throw new SqlError(`'${kw.toLowerCase()}' expected`, p.pos);
    }
  }
  optKw(kw: string): boolean {
    if (this.isKw(kw)) {
      this.i++;
      return true;
    }
    return false;
  }
  punct(p: string): void {
    const n = this.next();
    if (n.kind !== "punct" || n.text !== p) throw new SqlError(`'${p}' expected`, n.pos);
  }
  optPunct(p: string): boolean {
    const n = this.peek();
    if (n.kind === "punct" && n.text === p) {
      this.i++;
      return true;
    }
    return false;
  }
  ident(): Token {
    const n = this.next();
    if (n.kind !== "ident" && n.kind !== "qident") {
      throw new SqlError("column name expected", n.pos);
    }
    return n;
  }
  identList(): Token[] {
    const out = [this.ident()];
    while (this.optPunct(",")) out.push(this.ident());
    return out;
  }
  end(): void {
    this.optPunct(";");
    const n = this.peek();
    if (n.kind !== "end") throw new SqlError(`unexpected token [${n.text}]`, n.pos);
  }
}

interface Cond {
  col: Token;
  op: string;
  lit: Token;
}

/** The fake server. */
export class FakeQuestDb {
  readonly tables = new Map<string, FakeTable>();
  /** Count of /write requests that reached the fake (for batching assertions). */
  writeRequests = 0;
  /** Count of rows committed through /write. */
  rowsWritten = 0;
  #server: Deno.HttpServer | undefined;
  #port: number;
  #failures: { left: number; status: number } = { left: 0, status: 500 };
  /** Set while hanging: requests wait on it. */
  #hung: { promise: Promise<void>; release: () => void } | undefined;
  #errorSeq = 0;
  readonly #opts: FakeQuestDbOptions;

  private constructor(opts: FakeQuestDbOptions) {
    this.#opts = opts;
    this.#port = opts.port ?? 0;
  }

  /** Starts a fake on `opts.port` (0 = any free port). */
  static start(opts: FakeQuestDbOptions = {}): FakeQuestDb {
    const f = new FakeQuestDb(opts);
    f.#listen();
    return f;
  }

  /** The bound port. */
  get port(): number {
    return this.#port;
  }

  /** A client configuration string for this fake. */
  config(extra = ""): string {
    return `${this.#opts.tls ? "https" : "http"}::addr=127.0.0.1:${this.#port};${extra}`;
  }

  /** From now on, requests are accepted and never answered (until `unhang()` or `stop()`). */
  hang(): void {
    if (this.#hung) return;
    const { promise, resolve } = Promise.withResolvers<void>();
    this.#hung = { promise, release: resolve };
  }

  /** Answers the requests left hanging with 503 and serves normally again. */
  unhang(): void {
    this.#hung?.release();
    this.#hung = undefined;
  }

  /** Answers the next `n` writes with `status` (500/503 retriable, 400 invalid). */
  failWrites(n: number, status = 500): void {
    this.#failures = { left: n, status };
  }

  /** Rows of a table, in designated-timestamp order. */
  rows(table: string): Record<string, Value>[] {
    const t = this.tables.get(table);
    if (!t) return [];
    const all = [...t.rows.values()];
    if (t.timestamp) all.sort((a, b) => (a[t.timestamp!] as number) - (b[t.timestamp!] as number));
    return all;
  }

  /** Closes the listener: clients now get connection refused. */
  async stop(): Promise<void> {
    this.unhang();
    const s = this.#server;
    this.#server = undefined;
    if (s) await s.shutdown();
  }

  /** Listens again on the same port, data intact. */
  restart(): void {
    if (!this.#server) this.#listen();
  }

  #listen(): void {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: this.#port, onListen: () => {}, ...this.#opts.tls },
      async (req) => {
        if (this.#hung) {
          await this.#hung.promise;
          await req.body?.cancel();
          return new Response("hung up", { status: 503 });
        }
        return this.#handle(req);
      },
    );
    this.#port = (this.#server.addr as Deno.NetAddr).port;
  }

  #authorized(req: Request): boolean {
    const a = this.#opts.auth;
    if (!a) return true;
    const h = req.headers.get("authorization") ?? "";
    if ("token" in a) return h === `Bearer ${a.token}`;
    return h === `Basic ${btoa(`${a.username}:${a.password}`)}`;
  }

  #errorId(): string {
    return `fake0000-${++this.#errorSeq}`;
  }

  async #handle(req: Request): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === "/ping") return new Response(null, { status: 204 });
    if (url.pathname === "/settings") {
      const versions = this.#opts.protocolVersions ?? [1, 2];
      const config: Record<string, unknown> = { "release.type": "OSS", "release.version": "fake" };
      if (versions.length > 0) config["line.proto.support.versions"] = versions;
      return Response.json({ config });
    }
    if (!this.#authorized(req)) {
      await req.body?.cancel();
      return Response.json({ code: "unauthorized", message: "Unauthorized" }, { status: 401 });
    }
    if (url.pathname === "/write" || url.pathname === "/api/v2/write") {
      if (req.method !== "POST") return new Response("Method not allowed", { status: 405 });
      const body = new Uint8Array(await req.arrayBuffer());
      this.writeRequests++;
      if (this.#failures.left > 0) {
        this.#failures.left--;
        const status = this.#failures.status;
        return Response.json({
          code: status === 400 ? "invalid" : "internal error",
          message:
            "failed to parse line protocol:errors encountered on line(s):write error: injected",
          line: 1,
          errorId: this.#errorId(),
        }, { status });
      }
      return this.#write(body, url.searchParams.get("precision") ?? "n");
    }
    if (url.pathname === "/exec") {
      const query = url.searchParams.get("query") ?? "";
      try {
        if (query.trim() === "") throw new SqlError("empty query", 0);
        return Response.json(this.#exec(query));
      } catch (e) {
        if (e instanceof SqlError) {
          return Response.json({ query, error: e.message, position: e.position }, { status: 400 });
        }
        throw e;
      }
    }
    return new Response("Not Found", { status: 404 });
  }

  #write(body: Uint8Array, precision: string): Response {
    let line = 0;
    try {
      const rows = parseIlp(body, precision);
      // Stage every row first: any error rejects the request with nothing committed.
      const staged: [FakeTable, Record<string, Value>][] = [];
      const created: string[] = [];
      const addedCols: [FakeTable, number][] = [];
      try {
        for (const r of rows) {
          line = r.line;
          let t = this.tables.get(r.table);
          if (!t) {
            t = {
              name: r.table,
              columns: [],
              timestamp: "timestamp",
              partitionBy: "DAY",
              wal: true,
              dedupKeys: null,
              rows: new Map(),
            };
            t.columns.push({ name: "timestamp", type: "TIMESTAMP" });
            this.tables.set(r.table, t);
            created.push(r.table);
          }
          const row: Record<string, Value> = {};
          const before = t.columns.length;
          for (const [k, v] of r.symbols) {
            const col = t.columns.find((c) => c.name === k) ??
              (t.columns.push({ name: k, type: "SYMBOL" }), t.columns[t.columns.length - 1]);
            if (col.type !== "SYMBOL" && col.type !== "VARCHAR" && col.type !== "STRING") {
              throw new LineError(
                `table: ${t.name}, column: ${k}; cast error from protocol type: SYMBOL to column type: ${col.type}`,
                r.line,
              );
            }
            row[k] = v;
          }
          for (const [k, v] of r.fields) {
            if (k === t.timestamp) {
              throw new LineError(
                `table: ${t.name}; designated timestamp set as a column: ${k}`,
                r.line,
              );
            }
            let col = t.columns.find((c) => c.name === k);
            if (!col) {
              col = { name: k, type: inferType(v) };
              t.columns.push(col);
            }
            row[k] = coerce(v, col.type, t.name, k, r.line);
          }
          if (t.columns.length > before) addedCols.push([t, before]);
          if (t.timestamp) row[t.timestamp] = r.ts ?? Date.now() * 1000;
          staged.push([t, row]);
        }
      } catch (e) {
        for (const [t, before] of addedCols) t.columns.length = before;
        for (const name of created) this.tables.delete(name);
        throw e;
      }
      for (const [t, row] of staged) {
        const key = t.dedupKeys
          ? t.dedupKeys.map((k) => String(row[k] ?? "\u0000null")).join("\u0001")
          : `#${t.rows.size}:${Math.random()}`;
        t.rows.set(key, row);
      }
      this.rowsWritten += staged.length;
      return new Response(null, { status: 204 });
    } catch (e) {
      if (e instanceof LineError || e instanceof TypeError) {
        const n = e instanceof LineError ? e.line : line || 1;
        return Response.json({
          code: "invalid",
          message:
            `failed to parse line protocol:errors encountered on line(s):\nerror in line ${n}: ${e.message}`,
          line: n,
          errorId: this.#errorId(),
        }, { status: 400 });
      }
      throw e;
    }
  }

  #exec(query: string): unknown {
    const p = new Parser(tokenize(query));
    if (p.isKw("CREATE")) return this.#create(p);
    if (p.isKw("SELECT")) return this.#select(p, query);
    throw new SqlError(
      'table and column names that are SQL keywords have to be enclosed in double quotes, such as "x"',
      p.peek().pos,
    );
  }

  #create(p: Parser): unknown {
    p.kw("CREATE");
    p.kw("TABLE");
    let ifNotExists = false;
    if (p.optKw("IF")) {
      p.kw("NOT");
      p.kw("EXISTS");
      ifNotExists = true;
    }
    const nameTok = p.ident();
    const name = nameTok.text;
    p.punct("(");
    const columns: FakeTable["columns"] = [];
    do {
      const c = p.ident();
      const typeTok = p.next();
      const type = typeTok.text.toUpperCase();
      if (typeTok.kind !== "ident" || !TYPES.has(type)) {
        throw new SqlError(`unsupported column type: ${typeTok.text}`, typeTok.pos);
      }
      if (columns.some((x) => x.name === c.text)) {
        throw new SqlError(`Duplicate column [name=${c.text}]`, c.pos);
      }
      columns.push({ name: c.text, type: type as ColumnType });
    } while (p.optPunct(","));
    p.punct(")");
    let timestamp: string | null = null;
    let partitionBy = "NONE";
    let wal = false;
    let dedupKeys: string[] | null = null;
    if (p.optKw("TIMESTAMP")) {
      p.punct("(");
      const ts = p.ident();
      p.punct(")");
      const col = columns.find((c) => c.name === ts.text);
      if (!col) throw new SqlError("invalid designated timestamp column", ts.pos);
      if (col.type !== "TIMESTAMP") throw new SqlError("TIMESTAMP column expected", ts.pos);
      timestamp = ts.text;
    }
    if (p.isKw("PARTITION")) {
      const at = p.peek().pos;
      p.kw("PARTITION");
      p.kw("BY");
      const u = p.next();
      if (!PARTITIONS.has(u.text.toUpperCase())) {
        throw new SqlError("'NONE', 'HOUR', 'DAY', 'WEEK', 'MONTH' or 'YEAR' expected", u.pos);
      }
      if (!timestamp) {
        throw new SqlError(
          "partitioning is possible only on tables with designated timestamps",
          at,
        );
      }
      partitionBy = u.text.toUpperCase();
      if (p.optKw("BYPASS")) p.kw("WAL");
      else if (p.optKw("WAL")) wal = true;
    }
    if (p.isKw("DEDUP")) {
      const at = p.peek().pos;
      p.kw("DEDUP");
      p.kw("UPSERT");
      p.kw("KEYS");
      p.punct("(");
      const keys = p.identList();
      p.punct(")");
      if (!wal) throw new SqlError("deduplication is possible only on WAL tables", at);
      for (const k of keys) {
        if (!columns.some((c) => c.name === k.text)) {
          throw new SqlError(`deduplicate key column not found [column=${k.text}]`, k.pos);
        }
      }
      if (!keys.some((k) => k.text === timestamp)) {
        throw new SqlError("deduplicate key list must include dedicated timestamp column", at);
      }
      dedupKeys = keys.map((k) => k.text);
    }
    p.end();
    if (this.tables.has(name)) {
      if (ifNotExists) return { ddl: "OK" };
      throw new SqlError(`table already exists [table=${name}]`, nameTok.pos);
    }
    this.tables.set(name, {
      name,
      columns,
      timestamp,
      partitionBy,
      wal,
      dedupKeys,
      rows: new Map(),
    });
    return { ddl: "OK" };
  }

  #select(p: Parser, query: string): unknown {
    p.kw("SELECT");
    let cols: Token[] | "*";
    if (p.optPunct("*")) cols = "*";
    else cols = p.identList();
    p.kw("FROM");
    const tTok = p.ident();
    const t = this.tables.get(tTok.text);
    if (!t) throw new SqlError(`table does not exist [table=${tTok.text}]`, tTok.pos);
    const colOf = (tok: Token) => {
      const c = t.columns.find((x) => x.name === tok.text);
      if (!c) throw new SqlError(`Invalid column: ${tok.text}`, tok.pos);
      return c;
    };
    const conds: Cond[] = [];
    if (p.optKw("WHERE")) {
      do {
        const col = p.ident();
        colOf(col);
        const op = p.next();
        if (op.kind !== "punct" || !["=", "!=", "<", "<=", ">", ">="].includes(op.text)) {
          throw new SqlError("comparison operator expected", op.pos);
        }
        const lit = p.next();
        if (
          lit.kind !== "string" && lit.kind !== "number" &&
          !(lit.kind === "ident" && /^(true|false|null)$/i.test(lit.text))
        ) {
          throw new SqlError("literal expected", lit.pos);
        }
        conds.push({ col, op: op.text, lit });
      } while (p.optKw("AND"));
    }
    let latest: { ts: string; by: string[] } | undefined;
    if (p.optKw("LATEST")) {
      p.kw("ON");
      const ts = p.ident();
      if (ts.text !== t.timestamp) {
        throw new SqlError("designated timestamp column expected", ts.pos);
      }
      p.kw("PARTITION");
      p.kw("BY");
      const by = p.identList();
      by.forEach(colOf);
      latest = { ts: ts.text, by: by.map((b) => b.text) };
    }
    const order: { col: string; desc: boolean }[] = [];
    if (p.optKw("ORDER")) {
      p.kw("BY");
      do {
        const c = p.ident();
        colOf(c);
        const desc = p.optKw("DESC");
        if (!desc) p.optKw("ASC");
        order.push({ col: c.text, desc });
      } while (p.optPunct(","));
    }
    let limit: number | undefined;
    if (p.optKw("LIMIT")) {
      const n = p.next();
      if (n.kind !== "number" || !/^\d+$/.test(n.text)) {
        throw new SqlError("integer expected", n.pos);
      }
      limit = Number(n.text);
    }
    p.end();

    let rows = this.rows(t.name).filter((r) => conds.every((c) => this.#test(t, r, c)));
    if (latest) {
      const by = new Map<string, Record<string, Value>>();
      for (const r of rows) by.set(latest.by.map((b) => String(r[b])).join("\u0001"), r);
      rows = [...by.values()].sort((a, b) => (a[latest!.ts] as number) - (b[latest!.ts] as number));
    }
    if (order.length > 0) {
      rows.sort((a, b) => {
        for (const o of order) {
          const x = a[o.col], y = b[o.col];
          if (x === y) continue;
          if (x === null) return o.desc ? 1 : -1;
          if (y === null) return o.desc ? -1 : 1;
          const c = x < y ? -1 : 1;
          return o.desc ? -c : c;
        }
        return 0;
      });
    }
    if (limit !== undefined) rows = rows.slice(0, limit);
    const outCols = cols === "*" ? t.columns : cols.map(colOf);
    const dataset = rows.map((r) =>
      outCols.map((c) => {
        const v = r[c.name] ?? null;
        if (v === null) return null;
        return c.type === "TIMESTAMP" ? formatMicros(v as number) : v;
      })
    );
    return {
      query,
      columns: outCols.map((c) => ({ name: c.name, type: c.type })),
      timestamp: outCols.findIndex((c) => c.name === t.timestamp),
      dataset,
      count: dataset.length,
    };
  }

  #test(t: FakeTable, r: Record<string, Value>, c: Cond): boolean {
    const col = t.columns.find((x) => x.name === c.col.text)!;
    const v = r[col.name] ?? null;
    let lit: Value;
    if (c.lit.kind === "string") {
      if (col.type === "TIMESTAMP") {
        const us = parseTimestampLiteral(c.lit.text);
        if (us === undefined) throw new SqlError(`Invalid date [str=${c.lit.text}]`, c.lit.pos);
        lit = us;
      } else lit = c.lit.text;
    } else if (c.lit.kind === "number") lit = Number(c.lit.text);
    else lit = /^null$/i.test(c.lit.text) ? null : /^true$/i.test(c.lit.text);
    if (lit === null || v === null) {
      return c.op === "=" ? v === lit : c.op === "!=" ? v !== lit : false;
    }
    switch (c.op) {
      case "=":
        return v === lit;
      case "!=":
        return v !== lit;
      case "<":
        return v < lit;
      case "<=":
        return v <= lit;
      case ">":
        return v > lit;
      default:
        return v >= lit;
    }
  }
}

if (import.meta.main) {
  const port = Number(Deno.args[0] ?? 9000);
  const f = FakeQuestDb.start({ port });
  console.log(`fake QuestDB on http://127.0.0.1:${f.port}`);
}

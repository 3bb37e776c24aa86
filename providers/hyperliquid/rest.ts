/**
 * The `POST /info` client: timeouts on every call, the weight budget, 429/5xx backoff with a
 * bounded number of attempts, zod-validated responses, and paging for candles and funding.
 * @module
 */
import { type Interval, intervalMs, type Logger, nextOpenTime, type z } from "perptrix";
import { counter } from "../../core/metrics.ts";
import { backoffDelay, sleep } from "./backoff.ts";
import {
  CandleSnapshotResponse,
  FundingHistoryResponse,
  MetaResponse,
  type WireCandle,
} from "./schemas.ts";
import { infoWeight, type WeightBudget } from "./weight_budget.ts";

/** The most candles Hyperliquid keeps (and returns) per (coin, interval) (§2.1). */
export const MAX_CANDLES_PER_REQUEST = 5000;
/** The per-response row cap of time-range requests other than candles (§2.0). */
const FUNDING_PAGE = 500;
const MAX_PAGES = 200;

const restRequests = counter(
  "perptrix_rest_requests_total",
  "Hyperliquid REST requests by info type and outcome (HTTP status, timeout, network, invalid).",
  ["type", "status"],
);

/** A REST failure that retrying will not fix (4xx other than 429, invalid response). */
export class RestError extends Error {
  override name = "RestError";
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

/** Options of {@linkcode InfoClient}. */
export interface InfoClientOptions {
  /** REST base URL without `/info`, e.g. `https://api.hyperliquid.xyz`. */
  apiUrl: string;
  budget: WeightBudget;
  logger: Logger;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** Attempts per request, counting the first. */
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffCapMs?: number;
}

/** Reads Hyperliquid's info endpoint. Every method throws after its attempts are used up. */
export class InfoClient {
  readonly #url: string;
  readonly #o: Required<Omit<InfoClientOptions, "apiUrl">>;

  constructor(o: InfoClientOptions) {
    this.#url = `${o.apiUrl.replace(/\/+$/, "")}/info`;
    this.#o = {
      budget: o.budget,
      logger: o.logger,
      timeoutMs: o.timeoutMs ?? 10_000,
      maxAttempts: o.maxAttempts ?? 6,
      backoffBaseMs: o.backoffBaseMs ?? 500,
      backoffCapMs: o.backoffCapMs ?? 15_000,
    };
  }

  /** Posts `body`, validates the JSON answer with `schema`, retrying 429, 5xx and timeouts. */
  async request<S extends z.ZodType>(
    body: { type: string } & Record<string, unknown>,
    schema: S,
    weight: number,
    signal?: AbortSignal,
  ): Promise<z.infer<S>> {
    const { budget, logger, timeoutMs, maxAttempts } = this.#o;
    const payload = JSON.stringify(body);
    let lastError: unknown;
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (attempt > 0) {
        await sleep(
          backoffDelay(attempt - 1, {
            baseMs: this.#o.backoffBaseMs,
            capMs: this.#o.backoffCapMs,
          }),
          signal,
        );
      }
      await budget.take(weight, signal);
      const timeout = AbortSignal.timeout(timeoutMs);
      const sig = signal ? AbortSignal.any([signal, timeout]) : timeout;
      let res: Response;
      try {
        res = await fetch(this.#url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: payload,
          signal: sig,
        });
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        const status = timeout.aborted ? "timeout" : "network";
        restRequests.inc({ type: body.type, status });
        lastError = new Error(`${body.type}: ${status} error: ${(e as Error).message}`);
        continue;
      }
      restRequests.inc({ type: body.type, status: String(res.status) });
      if (res.status === 429 || res.status >= 500) {
        await res.body?.cancel();
        if (res.status === 429) budget.drain();
        lastError = new Error(`${body.type}: HTTP ${res.status}`);
        logger.debug("info request will be retried", { type: body.type, status: res.status });
        continue;
      }
      let json: unknown;
      try {
        const text = await res.text();
        if (!res.ok) {
          throw new RestError(
            `${body.type}: HTTP ${res.status}: ${text.slice(0, 200)}`,
            res.status,
          );
        }
        json = JSON.parse(text);
      } catch (e) {
        if (e instanceof RestError) throw e;
        if (signal?.aborted) throw signal.reason;
        restRequests.inc({ type: body.type, status: "invalid" });
        lastError = new Error(`${body.type}: unreadable body: ${(e as Error).message}`);
        continue;
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) {
        restRequests.inc({ type: body.type, status: "invalid" });
        throw new RestError(
          `${body.type}: response does not match the schema: ${parsed.error.issues[0]?.message}`,
        );
      }
      return parsed.data;
    }
    throw lastError instanceof Error ? lastError : new Error(`${body.type}: failed`);
  }

  /**
   * Candles of `coin`/`interval` whose bucket overlaps `[startTime, endTime]`, ascending, without
   * duplicates. Windows of at most 5000 buckets; pages until the range is covered or the venue
   * has no more (it keeps only the newest 5000). The last row may be the still-open bucket.
   */
  async candleSnapshot(
    coin: string,
    interval: Interval,
    startTime: number,
    endTime: number,
    signal?: AbortSignal,
  ): Promise<WireCandle[]> {
    const step = intervalMs(interval);
    const out: WireCandle[] = [];
    // The venue deserialises times as integers.
    let from = Math.floor(startTime);
    endTime = Math.floor(endTime);
    for (let page = 0; page < MAX_PAGES && from <= endTime; page++) {
      const to = Math.min(endTime, from + (MAX_CANDLES_PER_REQUEST - 1) * step);
      const expected = Math.min(MAX_CANDLES_PER_REQUEST, Math.ceil((to - from) / step) + 1);
      const rows = await this.request(
        { type: "candleSnapshot", req: { coin, interval, startTime: from, endTime: to } },
        CandleSnapshotResponse,
        infoWeight("candleSnapshot", expected),
        signal,
      );
      let last = -1;
      for (const r of rows) {
        if (r.s !== coin || r.i !== interval) {
          throw new RestError(`candleSnapshot ${coin} ${interval}: got a row for ${r.s} ${r.i}`);
        }
        if (r.t > endTime || (out.length > 0 && r.t <= out[out.length - 1].t)) continue;
        out.push(r);
        last = r.t;
      }
      // A window answered only partly (a per-response cap, or trailing no-trade buckets)
      // continues after its last row; an empty or complete answer moves to the next window.
      const next = last >= 0 ? nextOpenTime(interval, last) : to + 1;
      from = next > to ? to + 1 : next;
    }
    return out;
  }

  /** Funding settlements of `coin` in `[startTime, endTime]`, ascending, paged (§2.4). */
  async fundingHistory(
    coin: string,
    startTime: number,
    endTime: number,
    signal?: AbortSignal,
  ): Promise<z.infer<typeof FundingHistoryResponse>> {
    const out: z.infer<typeof FundingHistoryResponse> = [];
    let from = Math.floor(startTime);
    endTime = Math.floor(endTime);
    for (let page = 0; page < MAX_PAGES && from <= endTime; page++) {
      const rows = await this.request(
        { type: "fundingHistory", coin, startTime: from, endTime },
        FundingHistoryResponse,
        infoWeight("fundingHistory", FUNDING_PAGE),
        signal,
      );
      for (const r of rows) {
        if (r.coin !== coin) throw new RestError(`fundingHistory ${coin}: got a row for ${r.coin}`);
        if (r.time > endTime || (out.length > 0 && r.time <= out[out.length - 1].time)) continue;
        out.push(r);
      }
      if (rows.length < FUNDING_PAGE || out.length === 0) break;
      from = out[out.length - 1].time + 1;
    }
    return out;
  }

  /** The perp universe (names, szDecimals). */
  meta(signal?: AbortSignal): Promise<MetaResponse> {
    return this.request({ type: "meta" }, MetaResponse, infoWeight("meta"), signal);
  }
}

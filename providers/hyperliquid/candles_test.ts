import assert from "node:assert/strict";
import type { Candle } from "../../core/candle.ts";
import { CandleSeries } from "./candles.ts";

const M = 60_000;
const T0 = 1_753_000_020_000 - (1_753_000_020_000 % M);
const c = (i: number, close: number, volume: number, trades: number): Candle => ({
  time: T0 + i * M,
  open: 100,
  high: Math.max(100, close),
  low: Math.min(100, close),
  close,
  volume,
  trades,
});

function series(): CandleSeries {
  const s = new CandleSeries("BTC", "1m", T0, 2_000);
  s.liveSince = T0 - 10 * M;
  return s;
}

Deno.test("a later bucket closes the previous one with its last state", () => {
  const s = series();
  assert.equal(s.apply(c(0, 101, 1, 1)), "applied");
  assert.equal(s.apply(c(0, 102, 2, 2)), "applied");
  assert.deepEqual(s.drain(T0 + 30_000), { ready: [], needSync: false });
  assert.equal(s.apply(c(1, 99, 1, 1)), "applied");
  const r = s.drain(T0 + M + 1_000);
  assert.deepEqual(r.ready, [c(0, 102, 2, 2)]);
  assert.equal(s.cursor, T0 + M);
  assert.equal(s.openCandle(T0 + M + 1_000)?.close, 99);
});

Deno.test("duplicates, shrinking updates and updates before the cursor are ignored", () => {
  const s = series();
  s.apply(c(0, 102, 2, 2));
  assert.equal(s.apply(c(0, 102, 2, 2)), "duplicate");
  assert.equal(s.apply(c(0, 101, 1, 1)), "stale");
  s.apply(c(1, 99, 1, 1));
  s.drain(T0 + M);
  assert.equal(s.apply(c(0, 105, 9, 9)), "stale");
});

Deno.test("a silent stream needs a REST sync, whose rows win over the stream", () => {
  const s = series();
  s.apply(c(0, 101, 1, 1));
  assert.equal(s.drain(T0 + M + 1_999).needSync, false, "inside the grace");
  assert.equal(s.drain(T0 + M + 2_000).needSync, true);
  const rest = [c(0, 103, 5, 7), c(1, 98, 1, 1)];
  assert.deepEqual(s.settle(rest, T0 + M + 2_500), [c(0, 103, 5, 7)], "only closed rows");
  assert.equal(s.cursor, T0 + M);
});

Deno.test("after a disconnect the stream is not trusted: a gap needs REST", () => {
  const s = series();
  s.apply(c(0, 101, 1, 1));
  s.disconnected();
  s.apply(c(2, 97, 1, 1));
  const r = s.drain(T0 + 2 * M + 1_000);
  assert.deepEqual(r, { ready: [], needSync: true });
  const ready = s.settle([c(0, 101.5, 3, 4), c(1, 99, 2, 2), c(2, 97, 1, 1)], T0 + 2 * M + 2_100);
  assert.deepEqual(ready.map((x) => x.close), [101.5, 99]);
  assert.equal(s.drain(T0 + 2 * M + 2_100).needSync, false);
});

Deno.test("buckets without trades are skipped when the stream was live, else settled by REST", () => {
  const live = series();
  live.apply(c(0, 101, 1, 1));
  live.apply(c(3, 104, 1, 1)); // buckets 1 and 2 had no trades
  assert.deepEqual(live.drain(T0 + 3 * M).ready.map((x) => x.close), [101]);
  assert.equal(live.drain(T0 + 3 * M).needSync, false);
  assert.equal(live.cursor, T0 + 3 * M);

  const late = new CandleSeries("BTC", "1m", T0, 2_000); // subscription acknowledged later
  late.apply(c(3, 104, 1, 1));
  assert.equal(late.drain(T0 + 3 * M).needSync, true);
  assert.deepEqual(late.settle([], T0 + 3 * M + 2_000), []);
  late.apply(c(4, 104, 1, 1));
  assert.deepEqual(late.drain(T0 + 4 * M).ready.map((x) => x.time), [T0 + 3 * M]);
});

Deno.test("the startup backfill delivers only the newest N closed rows", () => {
  const s = new CandleSeries("BTC", "1m", T0, 2_000, 2);
  assert.equal(s.drain(T0).needSync, true);
  const rows = [0, 1, 2, 3, 4].map((i) => c(i, 100 + i, 1, 1));
  const out = s.settle(rows, T0 + 4 * M + 2_000);
  assert.deepEqual(out.map((x) => x.close), [102, 103]);
  assert.equal(s.backfillLimit, undefined);
});

Deno.test("while the stream is down every bucket that ends is settled by REST, unseen or not", () => {
  const s = new CandleSeries("BTC", "1m", T0, 2_000); // never acknowledged: not live
  assert.equal(s.drain(T0 + M + 1_999).needSync, false, "inside the grace");
  assert.equal(s.drain(T0 + M + 2_000).needSync, true, "bucket 0 ended with no update");
  assert.deepEqual(s.settle([c(0, 101, 1, 1)], T0 + M + 2_000), [c(0, 101, 1, 1)]);
  assert.equal(s.drain(T0 + 2 * M + 1_999).needSync, false, "bucket 1 not ended yet");
  assert.equal(s.drain(T0 + 2 * M + 2_000).needSync, true);
  assert.deepEqual(s.settle([], T0 + 2 * M + 2_000), [], "bucket 1 had no trades");
  assert.equal(s.drain(T0 + 3 * M + 1_999).needSync, false, "settled: no second sync");
  assert.equal(s.drain(T0 + 3 * M + 2_000).needSync, true, "bucket 2 ended");
  assert.deepEqual(s.settle([c(2, 99, 1, 1)], T0 + 3 * M + 2_000).map((x) => x.time), [
    T0 + 2 * M,
  ]);
});

Deno.test("a live, silent stream needs no REST; buckets from before a reconnect's ack do", () => {
  const quiet = series();
  assert.equal(quiet.drain(T0 + 5 * M).needSync, false, "no trades while live");

  const s = series();
  s.apply(c(0, 101, 1, 1));
  s.apply(c(1, 99, 1, 1));
  assert.deepEqual(s.drain(T0 + M).ready.map((x) => x.time), [T0]);
  s.disconnected();
  // Reconnected and acknowledged in the middle of bucket 2; bucket 1 was pending from before.
  s.liveSince = T0 + 2 * M + 30_000;
  assert.equal(s.drain(T0 + 2 * M + 2_000).needSync, true, "bucket 1 ended unconfirmed");
  assert.deepEqual(s.settle([c(1, 98, 2, 2)], T0 + 2 * M + 2_000).map((x) => x.close), [98]);
  // Bucket 2 opened before the ack (+ grace): no update from it proves nothing.
  assert.equal(s.drain(T0 + 3 * M + 2_000).needSync, true);
  assert.deepEqual(s.settle([], T0 + 3 * M + 2_000), []);
  // Bucket 3 opened while live: silence means no trades.
  assert.equal(s.drain(T0 + 4 * M + 2_000).needSync, false);
});

Deno.test("stream states dropped by the pending cap are recovered by REST, never skipped", () => {
  const s = series();
  s.syncing = true; // a long REST sync: updates pile up in pending
  for (let i = 0; i < 70; i++) s.apply(c(i, 100 + i, 1, 1));
  s.syncing = false;
  // The oldest 6 buckets' states were dropped; the live stream must not vouch for them.
  assert.deepEqual(s.drain(T0 + 69 * M + 1_000), { ready: [], needSync: true });
  const rows = Array.from({ length: 70 }, (_, i) => c(i, 100 + i, 1, 1));
  const out = s.settle(rows, T0 + 69 * M + 2_000);
  assert.deepEqual(out.map((x) => x.time), rows.slice(0, 69).map((x) => x.time));
});

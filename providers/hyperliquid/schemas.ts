/**
 * Zod schemas for every Hyperliquid message the provider reads, one per message, following the
 * wire (strings for prices/sizes/rates, numbers for times and counts; see
 * /work/shared/reference/hyperliquid-protocol.md §2, §3). Nothing from the network is used before
 * it passes one of these.
 * @module
 */
import { INTERVALS, z } from "perptrix";

/** A decimal string as Hyperliquid writes prices, sizes, rates: `"113080.0"`, `"-0.0002"`. */
export const DecimalString = z.string().regex(/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/);

/** Epoch milliseconds. */
const Millis = z.number().int().nonnegative();

/** One candle, identical in `candleSnapshot` rows and `candle` WebSocket frames (§2.1, §3.3). */
export const WireCandle = z.object({
  t: Millis,
  T: Millis,
  s: z.string().min(1),
  i: z.enum(INTERVALS),
  o: DecimalString,
  c: DecimalString,
  h: DecimalString,
  l: DecimalString,
  v: DecimalString,
  n: z.number().int().nonnegative(),
});
/** A validated wire candle. */
export type WireCandle = z.infer<typeof WireCandle>;

/** `POST /info {"type":"candleSnapshot"}` response: candles, oldest first. */
export const CandleSnapshotResponse = z.array(WireCandle);

/** The perp asset context of `metaAndAssetCtxs` and `activeAssetCtx` frames (§2.3). */
export const PerpAssetCtx = z.object({
  funding: DecimalString,
  openInterest: DecimalString,
  oraclePx: DecimalString,
  markPx: DecimalString,
  midPx: DecimalString.nullable().optional(),
  premium: DecimalString.nullable().optional(),
  impactPxs: z.array(DecimalString).nullable().optional(),
  dayNtlVlm: DecimalString.optional(),
  dayBaseVlm: DecimalString.optional(),
  prevDayPx: DecimalString.optional(),
});
/** A validated perp asset context. */
export type PerpAssetCtx = z.infer<typeof PerpAssetCtx>;

/** `activeAssetCtx` frame payload: `{coin, ctx}` (§3.3). */
export const ActiveAssetCtxData = z.object({ coin: z.string().min(1), ctx: PerpAssetCtx });

/** One `fundingHistory` row (§2.4); `fundingRate` is per hour on current Hyperliquid. */
export const FundingHistoryRow = z.object({
  coin: z.string().min(1),
  fundingRate: DecimalString,
  premium: DecimalString,
  time: Millis,
});
/** `POST /info {"type":"fundingHistory"}` response, ascending. */
export const FundingHistoryResponse = z.array(FundingHistoryRow);

/** One perp of `meta.universe`; the index is the asset id (§2.2). */
export const MetaUniverseEntry = z.object({
  name: z.string().min(1),
  szDecimals: z.number().int().min(0).max(10),
  maxLeverage: z.number().int().positive(),
  isDelisted: z.boolean().optional(),
});
/** `POST /info {"type":"meta"}` response (unknown extra keys tolerated). */
export const MetaResponse = z.object({ universe: z.array(MetaUniverseEntry) });
/** A validated `meta` response. */
export type MetaResponse = z.infer<typeof MetaResponse>;

/** Subscription objects this provider sends. */
export const Subscription = z.union([
  z.object({ type: z.literal("candle"), coin: z.string(), interval: z.enum(INTERVALS) }),
  z.object({ type: z.literal("activeAssetCtx"), coin: z.string() }),
]);
/** A subscription object. */
export type Subscription = z.infer<typeof Subscription>;

/** `{"channel":"subscriptionResponse","data":{"method","subscription"}}` (§3.2). */
export const SubscriptionResponseData = z.object({
  method: z.enum(["subscribe", "unsubscribe"]),
  subscription: z.record(z.string(), z.unknown()),
});

/** `{"channel":"error","data":"<text>"}` (§3.2). */
export const ErrorData = z.string();

/** Every server frame is `{channel, data?}`; `pong` carries no data (§3.1). */
export const Envelope = z.object({ channel: z.string().min(1), data: z.unknown().optional() });

/**
 * Replay provider plugin: recorded candle (and funding) CSVs played as a live market, for demos,
 * offline development and the backtester. `REPLAY_CANDLES`, `REPLAY_FUNDING`, `REPLAY_SPEED`
 * override `plugins.replay.options`.
 * @module
 */
import type { ProviderPlugin } from "perptrix";
import { ReplayProvider } from "./provider.ts";

/** The plugin registered under id `replay`. */
const plugin: ProviderPlugin = {
  kind: "provider",
  id: "replay",
  description: "Plays candle/funding CSV files as a live stream at a configurable speed",
  create: (ctx) => new ReplayProvider(ctx),
};
export default plugin;

/**
 * Preload module (`deno run --preload tests/_virtual_clock.ts main.ts ...`) that puts a child
 * process on the fake Hyperliquid's fast virtual clock, as the provider tests do in-process with
 * `clock: fake.now`: a provider whose clock lags the venue's cannot settle candles by REST.
 *
 * `PERPTRIX_TEST_CLOCK=V0,R0,SPEED`: virtual time V0 at real epoch ms R0, SPEED virtual ms per
 * real ms. Only `Date.now` changes (timers stay real). Test-only; never loaded by the service.
 * @module
 */

/** The env value for a clock that reads `virtualNow` now and runs `speed` times real time. */
export function virtualClockEnv(virtualNow: number, speed: number): string {
  return `${virtualNow},${Date.now()},${speed}`;
}

const spec = Deno.env.get("PERPTRIX_TEST_CLOCK");
if (spec) {
  const [v0, r0, speed] = spec.split(",").map(Number);
  if (![v0, r0, speed].every(Number.isFinite) || speed <= 0) {
    throw new Error(`PERPTRIX_TEST_CLOCK: expected V0,R0,SPEED, got ${spec}`);
  }
  const realNow = Date.now.bind(Date);
  Date.now = () => Math.floor(v0 + (realNow() - r0) * speed);
}

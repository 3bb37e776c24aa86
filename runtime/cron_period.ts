/**
 * The longest gap between two consecutive fire times of a `Deno.cron` schedule, so the sweep can
 * look back far enough to cover everything that closed since its previous run (an hourly cron
 * needs hours, not the `eval_interval_seconds` default).
 *
 * Minutes and hours are expanded exactly. Days are found by walking a fixed 8-year calendar (two
 * leap days, so `29 2` counts as every 4 years) with Deno.cron's field syntax: weekdays 1-7 from
 * Sunday, names, wrapping ranges, steps, and `L`, `L-n`, `nW`, `LW`, `L-nW` (day of month), `L`,
 * `vL`, `v#n` (day of week). Where readings of the syntax differ, the one that fires on fewer days is
 * taken, so the result is never shorter than the real gap: when both day of month and day of week
 * are restricted a day must match both, and `nW` past the month's end does not fire. A schedule
 * firing at most once in the 8 years counts as 8 years. Expressions are validated by the
 * configuration first; an item this parser does not understand widens the result the same way.
 * @module
 */
import {
  CRON_FIELDS,
  cronValue,
  DOM_SPECIAL,
  DOW_SPECIAL,
  expandCronField as expand,
} from "../core/cron_syntax.ts";

const MIN = 60_000;
const DAY_MIN = 1440;
const HORIZON_DAYS = 8 * 365 + 2;
/** Monday 2024-01-01, so the walk covers the leap days of 2024 and 2028. */
const EPOCH = Date.UTC(2024, 0, 1);

const [MINUTE, HOUR, DOM, MONTH, DOW] = CRON_FIELDS;

type DayTest = (y: number, m: number, d: number) => boolean;

function daysIn(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate(); // m is 1-based: day 0 of the next month
}

/** Weekday 1-7 from Sunday, as Deno.cron numbers them. */
function weekday(y: number, m: number, d: number): number {
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 1;
}

/** The weekday (Mon-Fri) nearest to day `n` within its month. */
function nearestWeekday(y: number, m: number, n: number): number {
  const dim = daysIn(y, m);
  const w = weekday(y, m, n);
  if (w === 7) return n === 1 ? 3 : n - 1; // Saturday
  if (w === 1) return n === dim ? n - 2 : n + 1; // Sunday
  return n;
}

function domTest(s: string): DayTest | undefined {
  if (s === "*" || s === "?") return undefined;
  const m = DOM_SPECIAL.exec(s);
  if (m) {
    const back = Number(m[1] ?? 0);
    const nth = m[3] === undefined ? undefined : Number(m[3]);
    const w = m[2] === "W" || nth !== undefined;
    return (y, mo, d) => {
      const dim = daysIn(y, mo);
      const target = nth ?? dim - back;
      if (target < 1 || target > dim) return false;
      return d === (w ? nearestWeekday(y, mo, target) : target);
    };
  }
  const set = expand(s, DOM);
  return (_y, _m, d) => set.has(d);
}

function dowTest(s: string): DayTest | undefined {
  if (s === "*" || s === "?") return undefined;
  const m = DOW_SPECIAL.exec(s);
  if (m && m[1] === undefined) return (y, mo, d) => weekday(y, mo, d) === 7; // `L`: Saturday
  if (m) {
    const v = cronValue(m[1], DOW);
    if (typeof v === "string") throw new Error(v);
    const nth = m[2] === undefined ? undefined : Number(m[2]);
    return (y, mo, d) =>
      weekday(y, mo, d) === v &&
      (nth === undefined ? d + 7 > daysIn(y, mo) : Math.ceil(d / 7) === nth);
  }
  const set = expand(s, DOW);
  return (y, m, d) => set.has(weekday(y, m, d));
}

/**
 * The longest time in ms between two consecutive fire times of `expr` (5 fields, UTC), or 8
 * years when it fires less often than that.
 */
export function cronMaxGapMs(expr: string): number {
  const horizon = HORIZON_DAYS * DAY_MIN * MIN;
  const f = expr.trim().split(/[ \t]+/);
  if (f.length !== 5) return horizon;
  let times: number[];
  let dom: DayTest | undefined, dow: DayTest | undefined, months: Set<number>;
  try {
    const minutes = [...expand(f[0], MINUTE)].filter((v) => v <= 59);
    const hours = [...expand(f[1], HOUR)].filter((v) => v <= 23);
    times = hours.flatMap((h) => minutes.map((m) => h * 60 + m)).sort((a, b) => a - b);
    dom = domTest(f[2]);
    months = expand(f[3], MONTH);
    dow = dowTest(f[4]);
  } catch {
    return horizon;
  }
  if (times.length === 0) return horizon;
  const fireDays: number[] = [];
  for (let i = 0; i < HORIZON_DAYS; i++) {
    const t = new Date(EPOCH + i * DAY_MIN * MIN);
    const y = t.getUTCFullYear(), m = t.getUTCMonth() + 1, d = t.getUTCDate();
    if (!months.has(m)) continue;
    if (dom && !dom(y, m, d)) continue;
    if (dow && !dow(y, m, d)) continue;
    fireDays.push(i);
  }
  if (fireDays.length < 2) return horizon;
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
  const span = times[times.length - 1] - times[0];
  for (let i = 1; i < fireDays.length; i++) {
    gap = Math.max(gap, (fireDays[i] - fireDays[i - 1]) * DAY_MIN - span);
  }
  return gap * MIN;
}

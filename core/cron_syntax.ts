/**
 * The syntax of a `Deno.cron` schedule, in one place for the configuration (which refuses what
 * Deno.cron would refuse, naming the key) and the sweep (which needs the schedule's longest gap).
 * @module
 */

/** One field of a `Deno.cron` schedule: its range and, for months and weekdays, its names. */
export interface CronField {
  /** How error messages name the field, e.g. "day of month". */
  name: string;
  /** Smallest value. */
  min: number;
  /** Largest value. */
  max: number;
  /** Three-letter names of the values from `min` on (months, weekdays), matched in any case. */
  names?: readonly string[];
}

/** The five fields in order: minute, hour, day of month, month, day of week. */
export const CRON_FIELDS: readonly CronField[] = [
  { name: "minute", min: 0, max: 59 },
  { name: "hour", min: 0, max: 23 },
  { name: "day of month", min: 1, max: 31 },
  {
    name: "month",
    min: 1,
    max: 12,
    names: ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"],
  },
  // Deno.cron numbers weekdays 1-7 (0 is refused) and knows their names.
  { name: "day of week", min: 1, max: 7, names: ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"] },
];

/** A field value (1-2 digits, or a 3-letter name in any case), or why it is not one. */
export function cronValue(s: string, f: CronField): number | string {
  if (/^\d{1,2}$/.test(s)) {
    const n = Number(s);
    return n >= f.min && n <= f.max ? n : `${n} is out of range ${f.min}-${f.max}`;
  }
  const i = f.names && /^[A-Za-z]{3}$/.test(s) ? f.names.indexOf(s.toUpperCase()) : -1;
  if (i >= 0) return f.min + i;
  return `"${s}" is not a number in ${f.min}-${f.max}${f.names ? " or a name" : ""}`;
}

/** Why one list item (`*`, `v`, `v-v`, each with an optional `/step`) is invalid, if it is. */
function cronItemProblem(item: string, f: CronField): string | undefined {
  const [base, step, extra] = item.split("/");
  if (extra !== undefined) return `"${item}" has more than one '/'`;
  if (step !== undefined) {
    const n = /^\d{1,2}$/.test(step) ? Number(step) : NaN;
    // Deno.cron refuses a step that can never repeat within the field.
    if (!(n >= 1 && n <= f.max - f.min)) {
      return `step "${step}" is not a number in 1-${f.max - f.min}`;
    }
  }
  if (base === "*") return undefined;
  // Ranges may wrap around (`59-0`, `SAT-SUN`): Deno.cron accepts them.
  const ends = base.split("-");
  if (ends.length > 2) return `"${base}" is not a value or a range`;
  for (const e of ends) {
    const v = cronValue(e, f);
    if (typeof v === "string") return v;
  }
  return undefined;
}

/**
 * Why `expr` is not a schedule `Deno.cron` accepts, or undefined when it is. Checked here so a bad
 * `eval_cron` stops the start with the key's name instead of failing after the provider started.
 * Mirrors Deno.cron's syntax: 5 fields; lists, ranges and steps; month and weekday names; and,
 * each alone in its field, `L`, `L-n`, `nW`, `LW`, `L-nW` (day of month), `L`, `vL`, `v#n`
 * (day of week).
 */
export function cronProblem(expr: string): string | undefined {
  const fields = expr.split(/[ \t]+/);
  if (fields.length !== 5) {
    return `needs 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`;
  }
  for (let i = 0; i < 5; i++) {
    const f = CRON_FIELDS[i];
    const s = fields[i];
    let m: RegExpExecArray | null;
    if (i === 2 && (m = DOM_SPECIAL.exec(s))) {
      const n = Number(m[1] ?? m[3] ?? 1);
      if (m[1] !== undefined && !(n >= 1 && n <= 30)) return `${f.name} "${s}": offset not in 1-30`;
      if (m[3] !== undefined && !(n >= 1 && n <= 31)) return `${f.name} "${s}": day not in 1-31`;
      continue;
    }
    if (i === 4 && (m = DOW_SPECIAL.exec(s))) {
      const v = m[1] === undefined ? 1 : cronValue(m[1], f);
      if (typeof v === "string") return `${f.name} "${s}": ${v}`;
      const nth = Number(m[2] ?? 1);
      if (!(nth >= 1 && nth <= 5)) return `${f.name} "${s}": occurrence not in 1-5`;
      continue;
    }
    for (const item of s.split(",")) {
      const p = item === "" ? "empty list item" : cronItemProblem(item, f);
      if (p !== undefined) return `${f.name} "${s}": ${p}`;
    }
  }
  return undefined;
}

/**
 * Day-of-month forms that stand alone in their field: `L`, `L-n` (n days before the last),
 * `LW`, `L-nW`, `nW` (nearest weekday). Groups: 1 = n of `L-n`, 2 = `W` or "", 3 = n of `nW`.
 */
export const DOM_SPECIAL = /^L(?:-(\d{1,2}))?(W?)$|^(\d{1,2})W$/;

/**
 * Day-of-week forms that stand alone in their field: `L` (Saturday), `vL` (the month's last v),
 * `v#n` (its n-th v). Groups: 1 = v (undefined for `L` alone), 2 = n of `v#n`.
 */
export const DOW_SPECIAL = /^L$|^([A-Za-z]{3}|\d{1,2})(?:L|#(\d{1,2}))$/;

/**
 * The values a list field (`*`, `v`, `a-b`, ranges wrapping around, each with an optional
 * `/step`; `a/n` runs from a to the field's end) stands for. Throws on an item it cannot read.
 */
export function expandCronField(field: string, f: CronField): Set<number> {
  const value = (s: string): number => {
    const v = cronValue(s, f);
    if (typeof v === "string") throw new Error(v);
    return v;
  };
  const out = new Set<number>();
  for (const item of field.split(",")) {
    const [base, stepText] = item.split("/");
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!(step >= 1)) throw new Error(`bad step in "${item}"`);
    let seq: number[];
    if (base === "*" || base === "?") seq = range(f.min, f.max);
    else {
      const ends = base.split("-");
      const a = value(ends[0]);
      const b = ends.length > 1 ? value(ends[1]) : stepText === undefined ? a : f.max;
      seq = a <= b ? range(a, b) : [...range(a, f.max), ...range(f.min, b)];
    }
    for (let i = 0; i < seq.length; i += step) out.add(seq[i]);
  }
  return out;
}

function range(a: number, b: number): number[] {
  return Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);
}

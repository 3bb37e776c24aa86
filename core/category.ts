/**
 * The Category plugin contract: a named group of indicators whose scores are combined and
 * clamped before they enter the total.
 * @module
 */
import type { IndicatorSignal } from "./indicator.ts";

/** A category plugin: default-export one of these from a file in `plugins/categories/`. */
export interface Category {
  /** Always `"category"`; discovery rejects one in `plugins/categories/` whose kind differs. */
  readonly kind: "category";
  /** Unique id, e.g. `"momentum"`. */
  readonly id: string;
  /** One line for `/plugins` and the docs. */
  readonly description: string;
  /** Inclusive clamp applied to the combined score, e.g. `[-3, 3]`. */
  readonly clamp: readonly [number, number];
  /** Default weight in weighted scoring; the weights of all categories sum to 1. */
  readonly weight: number;
  /** Combines the members' signals before clamping; defaults to their sum. */
  combine?(signals: readonly IndicatorSignal[]): number;
}

/** Identity helper for plugin authors. */
export function defineCategory(def: Omit<Category, "kind">): Category {
  return { kind: "category", ...def };
}

/** Combines and clamps, as the engine does. */
export function categoryScore(cat: Category, signals: readonly IndicatorSignal[]): number {
  let raw = 0;
  if (cat.combine) raw = cat.combine(signals);
  else for (let i = 0; i < signals.length; i++) raw += signals[i].score;
  const [lo, hi] = cat.clamp;
  return raw < lo ? lo : raw > hi ? hi : raw;
}

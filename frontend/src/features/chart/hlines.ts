/**
 * Horizontal lines a trader draws on the chart (support, resistance, a level to watch), kept per
 * symbol in this browser (localStorage). Pure: the store's reads and writes; the chart draws them.
 */
import { readSetting, writeSetting } from "../../lib/local-settings";
import { roundTo } from "../../lib/format";

export const MAX_LINES = 20;
const KEY = (symbol: string) => `chart:hlines:${symbol}`;

/** The lines of `symbol`, sorted high to low; anything unreadable is dropped. */
export function readLines(symbol: string): number[] {
  try {
    const parsed: unknown = JSON.parse(readSetting(KEY(symbol), "[]"));
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter((v): v is number => typeof v === "number" && Number.isFinite(v) && v > 0)
      .slice(0, MAX_LINES)
      .sort((a, b) => b - a);
  } catch {
    return [];
  }
}

/** Adds a line at `price` (at the instrument's digits; the oldest goes beyond MAX_LINES). */
export function addLine(symbol: string, price: number, digits: number): number[] {
  const rounded = roundTo(price, digits);
  const lines = readLines(symbol).filter((p) => p !== rounded);
  const next = [rounded, ...lines].slice(0, MAX_LINES).sort((a, b) => b - a);
  writeSetting(KEY(symbol), JSON.stringify(next));
  return next;
}

export function removeLine(symbol: string, price: number): number[] {
  const next = readLines(symbol).filter((p) => p !== price);
  writeSetting(KEY(symbol), JSON.stringify(next));
  return next;
}

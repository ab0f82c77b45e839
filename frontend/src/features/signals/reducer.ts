/** The live signals list: newest first (by id, the order signals were stored), one row per id, bounded. */
import type { Page, Signal } from "../../lib/types";

export const MAX_SIGNALS = 100;

/** `signal` into `list`: a known id is replaced where it stands, a new one takes its place by id. */
export function mergeSignal(list: Signal[], signal: Signal): Signal[] {
  const known = list.some((s) => s.id === signal.id);
  const next = known ? list.map((s) => (s.id === signal.id ? signal : s)) : [...list, signal];
  return next.sort((a, b) => b.id - a.id).slice(0, MAX_SIGNALS);
}

/** A `signal_alert` into a cached page of GET signals/ (undefined stays undefined: the REST read will have it). */
export function mergeSignalPage(page: Page<Signal> | undefined, signal: Signal): Page<Signal> | undefined {
  if (!page) return undefined;
  const known = page.results.some((s) => s.id === signal.id);
  return { ...page, count: page.count + (known ? 0 : 1), results: mergeSignal(page.results, signal) };
}

/** Badge tier for a confidence stored 0–100; a signal without one is "none". */
export function confidenceTier(confidence: string | number | null | undefined): "high" | "medium" | "low" | "none" {
  if (confidence === null || confidence === undefined || confidence === "") return "none";
  const c = Number(confidence);
  if (c >= 80) return "high";
  if (c >= 60) return "medium";
  return "low";
}

/** The live signals list: newest first, one row per signal id, bounded. */
import type { Signal } from "../../lib/types";

export const MAX_SIGNALS = 100;

export function mergeSignal(list: Signal[], signal: Signal): Signal[] {
  const rest = list.filter((s) => s.id !== signal.id);
  return [signal, ...rest].slice(0, MAX_SIGNALS);
}

/** Badge tier for a confidence stored 0–100. */
export function confidenceTier(confidence: string | number): "high" | "medium" | "low" {
  const c = Number(confidence);
  if (c >= 80) return "high";
  if (c >= 60) return "medium";
  return "low";
}

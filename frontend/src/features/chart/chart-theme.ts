/** The chart's colours and how often the canvas follows live prices. */
import type { PreviewKind } from "../../lib/preview-lines";
import type { LevelKind } from "./candles";

export const CHART_COLORS = {
  background: "#131722",
  grid: "#1e222d",
  text: "#b2b5be",
  up: "#26a69a",
  down: "#ef5350",
  bid: "#ef5350",
  ask: "#2962ff",
  entry: "#d1d4dc",
  sl: "#f23645",
  tp: "#089981",
  volumeUp: "rgba(38, 166, 154, 0.45)",
  volumeDown: "rgba(239, 83, 80, 0.45)",
};

/** The canvas follows live prices at most this often (10 frames per second). */
export const CHART_REFRESH_MS = 100;

export const LEVEL_COLOR: Record<LevelKind, string> = {
  entry: CHART_COLORS.entry,
  stop_loss: CHART_COLORS.sl,
  take_profit_1: CHART_COLORS.tp,
  take_profit_2: CHART_COLORS.tp,
  take_profit_3: CHART_COLORS.tp,
};

/** Preview lines: the level's colour, a little faded (the order does not exist yet). */
export const PREVIEW_COLOR: Record<PreviewKind, string> = {
  entry: "rgba(245, 166, 35, 0.9)",
  limit: "rgba(245, 166, 35, 0.9)",
  stop_loss: "rgba(242, 54, 69, 0.8)",
  take_profit_1: "rgba(8, 153, 129, 0.85)",
  take_profit_2: "rgba(8, 153, 129, 0.85)",
  take_profit_3: "rgba(8, 153, 129, 0.85)",
};

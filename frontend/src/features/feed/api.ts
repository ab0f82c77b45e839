import { useQuery } from "@tanstack/react-query";
import { api, API } from "../../lib/api-client";
import { feedKeys } from "./keys";

/** The running feed kind from providers/ (live, sim, replay, manual). */
export function useFeed() {
  return useQuery({
    queryKey: feedKeys.all,
    queryFn: () => api.get<{ feed: string }>(`${API}/providers/`),
    select: (data) => data.feed,
    staleTime: 60_000,
  });
}

/** Badge text for a feed kind or a quote's source ("manual", "sim", "binance:BTCUSDT" → LIVE). */
export function feedLabel(feed: string | undefined): string {
  if (!feed) return "…";
  const kind = feed.split(":")[0]!.toLowerCase();
  if (kind === "sim" || kind === "simulated") return "SIMULATED";
  if (kind === "replay" || kind === "import") return "REPLAY";
  if (kind === "manual") return "MANUAL";
  return "LIVE";
}

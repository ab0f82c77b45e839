import { describe, expect, it } from "vitest";
import type { Page, Trade } from "./types";
import { applyTrade } from "./trade-cache";

const t = (id: number, status: Trade["status"], extra: Partial<Trade> = {}) =>
  ({ id, status, account: 1, symbol: "EURUSD", lot_size: "0.10", ...extra }) as Trade;
const page = (...results: Trade[]): Page<Trade> => ({ count: results.length, next: null, previous: null, results });

describe("applyTrade keeps lists current without reordering", () => {
  it("replaces an open trade in place", () => {
    const before = page(t(3, "open"), t(2, "open"), t(1, "open"));
    const after = applyTrade(before, t(2, "open", { stop_loss: "1.09900" }), "open")!;
    expect(after.results.map((x) => x.id)).toEqual([3, 2, 1]);
    expect(after.results[1]!.stop_loss).toBe("1.09900");
    expect(after.results[0]).toBe(before.results[0]); // untouched rows keep identity: no re-render
  });
  it("adds a new trade first and drops a closed one", () => {
    const opened = applyTrade(page(t(1, "open")), t(2, "open"), "open")!;
    expect(opened.results.map((x) => x.id)).toEqual([2, 1]);
    expect(opened.count).toBe(2);
    const closed = applyTrade(opened, t(1, "closed"), "open")!;
    expect(closed.results.map((x) => x.id)).toEqual([2]);
    expect(closed.count).toBe(1);
  });
  it("moves a filled order from pending to open", () => {
    const pending = page(t(5, "pending"));
    const filled = t(5, "open");
    expect(applyTrade(pending, filled, "pending")!.results).toEqual([]);
    expect(applyTrade(page(), filled, "open")!.results.map((x) => x.id)).toEqual([5]);
  });
  it("returns the same page when the event does not concern the list", () => {
    const before = page(t(1, "open"));
    expect(applyTrade(before, t(9, "closed"), "open")).toBe(before);
    expect(applyTrade(undefined, t(9, "open"), "open")).toBeUndefined();
  });
});

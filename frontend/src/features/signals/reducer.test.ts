import { describe, expect, it } from "vitest";
import type { Page, Signal } from "../../lib/types";
import { confidenceTier, MAX_SIGNALS, mergeSignal, mergeSignalPage } from "./reducer";

const s = (id: number, status: Signal["status"] = "alerted") => ({ id, status, confidence: "80" }) as Signal;

describe("signals list", () => {
  it("puts a new alert first and replaces an updated one in place", () => {
    const list = mergeSignal(mergeSignal([], s(1)), s(2));
    expect(list.map((x) => x.id)).toEqual([2, 1]);
    const updated = mergeSignal(list, s(1, "executed"));
    expect(updated.map((x) => [x.id, x.status])).toEqual([
      [2, "alerted"],
      [1, "executed"],
    ]);
  });
  it("is bounded", () => {
    let list: Signal[] = [];
    for (let i = 0; i < MAX_SIGNALS + 5; i += 1) list = mergeSignal(list, s(i));
    expect(list).toHaveLength(MAX_SIGNALS);
    expect(list[0]!.id).toBe(MAX_SIGNALS + 4);
  });
  it("merges into a cached page, counting new signals only, and leaves a missing page alone", () => {
    const page: Page<Signal> = { count: 1, results: [s(1)] };
    const added = mergeSignalPage(page, s(2))!;
    expect([added.count, added.results.map((x) => x.id)]).toEqual([2, [2, 1]]);
    expect(mergeSignalPage(added, s(2, "dismissed"))!.count).toBe(2);
    expect(mergeSignalPage(undefined, s(3))).toBeUndefined();
  });
  it("grades confidence badges", () => {
    expect([confidenceTier("92.5"), confidenceTier(80), confidenceTier("60"), confidenceTier(59.9), confidenceTier(null)]).toEqual([
      "high",
      "high",
      "medium",
      "low",
      "none",
    ]);
  });
});

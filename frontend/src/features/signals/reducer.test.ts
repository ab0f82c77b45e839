import { describe, expect, it } from "vitest";
import type { Signal } from "../../lib/types";
import { confidenceTier, MAX_SIGNALS, mergeSignal } from "./reducer";

const s = (id: number, status = "alerted") => ({ id, status, confidence: "80" }) as Signal;

describe("signals list", () => {
  it("puts a new alert first and replaces an updated one without duplicating it", () => {
    const list = mergeSignal(mergeSignal([], s(1)), s(2));
    expect(list.map((x) => x.id)).toEqual([2, 1]);
    const updated = mergeSignal(list, s(1, "executed"));
    expect(updated.map((x) => [x.id, x.status])).toEqual([
      [1, "executed"],
      [2, "alerted"],
    ]);
  });
  it("is bounded", () => {
    let list: Signal[] = [];
    for (let i = 0; i < MAX_SIGNALS + 5; i += 1) list = mergeSignal(list, s(i));
    expect(list).toHaveLength(MAX_SIGNALS);
    expect(list[0]!.id).toBe(MAX_SIGNALS + 4);
  });
  it("grades confidence badges", () => {
    expect([confidenceTier("92.5"), confidenceTier(80), confidenceTier("60"), confidenceTier(59.9)]).toEqual([
      "high",
      "high",
      "medium",
      "low",
    ]);
  });
});

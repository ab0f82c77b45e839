import { act, renderHook } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { PreviewLinesStore, usePreviewLines } from "./preview-lines";

const sl = { kind: "stop_loss" as const, price: 1.098, label: "SL" };
const tp = { kind: "take_profit_1" as const, price: 1.103, label: "TP1" };

describe("PreviewLinesStore", () => {
  it("tells listeners of a change only (the ticket sets it after every render)", () => {
    const store = new PreviewLinesStore();
    const listener = vi.fn();
    store.subscribe(listener);
    store.set({ symbol: "EURUSD", levels: [sl] });
    store.set({ symbol: "EURUSD", levels: [{ ...sl }] });
    expect(listener).toHaveBeenCalledTimes(1);
    store.set({ symbol: "EURUSD", levels: [sl, tp] });
    expect(listener).toHaveBeenCalledTimes(2);
    store.set({ symbol: "EURUSD", levels: [] });
    expect(store.get()).toBeNull();
    store.set(null);
    expect(listener).toHaveBeenCalledTimes(3);
  });
  it("gives a chart only the levels of its own symbol", () => {
    const store = new PreviewLinesStore();
    const eur = renderHook(() => usePreviewLines(store, "EURUSD"));
    const jpy = renderHook(() => usePreviewLines(store, "USDJPY"));
    act(() => store.set({ symbol: "EURUSD", levels: [sl, tp] }));
    expect(eur.result.current).toEqual([sl, tp]);
    expect(jpy.result.current).toEqual([]);
    act(() => store.set(null));
    expect(eur.result.current).toEqual([]);
  });
});

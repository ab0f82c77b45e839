import { act, cleanup, fireEvent, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import { announcements } from "../lib/announcements";
import { ERROR_TOAST_MS, EventLog, TOAST_MS, Toasts } from "./Toasts";

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe("Toasts and the event log", () => {
  it("shows a new event at once, hides it after a few seconds, keeps a refusal longer and a warning until dismissed", () => {
    vi.useFakeTimers();
    render(
      <>
        <Toasts />
        <EventLog />
      </>,
    );
    act(() => {
      announcements.add({ tone: "profit", title: "#26 EURUSD TP1 hit", detail: "0.10 lots at 1.10300 · +29.00 USD", tradeId: 26 });
      announcements.add({ tone: "error", title: "Order refused", detail: "Not enough free margin." });
    });
    const toasts = () => screen.queryAllByTestId("toast").map((t) => t.textContent);
    expect(toasts()).toEqual(["Order refusedNot enough free margin.×", "#26 EURUSD TP1 hit0.10 lots at 1.10300 · +29.00 USD×"]);
    expect(screen.getByRole("alert").textContent).toContain("Order refused");

    act(() => vi.advanceTimersByTime(TOAST_MS + 1000));
    expect(toasts()).toEqual(["Order refusedNot enough free margin.×"]); // the profit went, the refusal stays
    act(() => vi.advanceTimersByTime(ERROR_TOAST_MS - TOAST_MS));
    expect(toasts()).toEqual([]);
    act(() => {
      announcements.add({ tone: "warning", title: "Margin call", detail: "Margin level 95.20 %" });
    });
    act(() => vi.advanceTimersByTime(60_000));
    expect(toasts()).toEqual(["Margin callMargin level 95.20 %×"]); // a warning waits to be read
    fireEvent.click(screen.getByRole("button", { name: "Dismiss" }));
    expect(toasts()).toEqual([]);

    // The event log keeps both, newest first.
    expect(screen.getAllByTestId("event-row").map((r) => r.getAttribute("data-tone"))).toEqual(["warning", "error", "profit"]);
  });
});

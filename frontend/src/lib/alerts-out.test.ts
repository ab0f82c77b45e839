import { afterEach, describe, expect, it, vi } from "vitest";
import { playTone, resetAudio, setSoundEnabled, soundEnabled, TitleFlasher } from "./alerts-out";

afterEach(() => {
  vi.useRealTimers();
  resetAudio();
  localStorage.clear();
});

function hidden(doc: Document, value: boolean) {
  Object.defineProperty(doc, "hidden", { configurable: true, get: () => value });
}

describe("TitleFlasher", () => {
  it("flashes only while the tab is hidden and gives the title back when it is shown", () => {
    vi.useFakeTimers();
    document.title = "forex_signal";
    const flasher = new TitleFlasher(document);
    hidden(document, false);
    flasher.flash("#26 EURUSD TP1 hit");
    expect(flasher.flashing).toBe(false);
    expect(document.title).toBe("forex_signal");

    hidden(document, true);
    flasher.flash("#26 EURUSD TP1 hit");
    expect(document.title).toBe("● #26 EURUSD TP1 hit");
    vi.advanceTimersByTime(1000);
    expect(document.title).toBe("● #26 EURUSD TP1 hit");
    vi.advanceTimersByTime(1000);
    expect(document.title).toBe("forex_signal");
    flasher.flash("#27 XAUUSD SL hit"); // a newer event while flashing: its text
    vi.advanceTimersByTime(1000);
    expect(document.title).toBe("● #27 XAUUSD SL hit");

    hidden(document, false);
    document.dispatchEvent(new Event("visibilitychange"));
    expect(flasher.flashing).toBe(false);
    expect(document.title).toBe("forex_signal");
  });
});

describe("sound", () => {
  it("is off by default and remembered when turned on", () => {
    expect(soundEnabled()).toBe(false);
    setSoundEnabled(true);
    expect(soundEnabled()).toBe(true);
  });

  it("plays a two-note tone that rises for a profit", () => {
    const frequencies: number[] = [];
    const node = { connect: () => node, start: vi.fn(), stop: vi.fn() };
    const osc = { ...node, frequency: { setValueAtTime: (f: number) => frequencies.push(f) } };
    const gain = { ...node, gain: { setValueAtTime: vi.fn(), exponentialRampToValueAtTime: vi.fn() } };
    const ctx = { currentTime: 0, destination: {}, createOscillator: () => osc, createGain: () => gain };
    expect(playTone("profit", () => ctx as never)).toBe(true);
    expect(frequencies).toEqual([660, 880]);
    expect(osc.start).toHaveBeenCalled();
  });

  it("is silent without the Web Audio API", () => {
    expect(playTone("loss", () => null)).toBe(false);
  });
});

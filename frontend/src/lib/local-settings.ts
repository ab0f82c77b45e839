import { useState } from "react";

/** The browser's own settings (symbol, interval, chart options) in localStorage; private mode keeps them for the session. */
export function readSetting(key: string, fallback: string): string {
  try {
    return localStorage.getItem(key) ?? fallback;
  } catch {
    return fallback;
  }
}

export function writeSetting(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
  } catch {
    /* private mode: the choice lasts for the session */
  }
}

/** An on/off setting ("1" / "0"). */
export function readFlag(key: string, fallback: boolean): boolean {
  return readSetting(key, fallback ? "1" : "0") === "1";
}

export function writeFlag(key: string, on: boolean): void {
  writeSetting(key, on ? "1" : "0");
}

/** An on/off setting as React state: read once, written on every change. */
export function useFlagSetting(key: string, fallback: boolean): [boolean, (on: boolean) => void] {
  const [on, setOn] = useState(() => readFlag(key, fallback));
  const set = (next: boolean) => {
    setOn(next);
    writeFlag(key, next);
  };
  return [on, set];
}

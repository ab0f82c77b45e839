/**
 * The ticket's preview levels, handed to the chart outside React state (the orders feature
 * writes them, the chart feature reads them; app/ owns the one store): typing in the ticket (or
 * a tick moving levels given in pips) re-renders the chart, not the dashboard.
 */
import { useSyncExternalStore } from "react";

/** Which level of the order a preview line is (the trigger and the limit of a stop-limit apart). */
export type PreviewKind = "entry" | "limit" | "stop_loss" | "take_profit_1" | "take_profit_2" | "take_profit_3";

/** One level of the ticket drawn on the chart before the order is sent. */
export interface PreviewLevel {
  kind: PreviewKind;
  price: number;
  label: string;
}

export interface TicketLines {
  /** The instrument the levels belong to: a chart of another symbol draws none of them. */
  symbol: string;
  levels: PreviewLevel[];
}

type Listener = () => void;

export class PreviewLinesStore {
  private value: TicketLines | null = null;
  private key = "";
  private readonly listeners = new Set<Listener>();

  get = (): TicketLines | null => this.value;

  /** Replace the lines (null: none); listeners hear only of a real change. */
  set(value: TicketLines | null): void {
    const next = value && value.levels.length ? value : null;
    const key = next ? `${next.symbol}|${next.levels.map((l) => `${l.kind}=${l.price}`).join(";")}` : "";
    if (key === this.key) return;
    this.key = key;
    this.value = next;
    this.listeners.forEach((listener) => listener());
  }

  subscribe = (listener: Listener): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

/** The preview levels of `symbol` (empty when the ticket shows another symbol or has none). */
export function usePreviewLines(store: PreviewLinesStore, symbol: string): PreviewLevel[] {
  const lines = useSyncExternalStore(store.subscribe, store.get);
  return lines && lines.symbol === symbol ? lines.levels : NONE;
}

const NONE: PreviewLevel[] = [];

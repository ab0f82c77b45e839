/**
 * The SL/TP handles over the chart: buttons at their lines' heights, dragged with mouse or touch
 * (pointer capture; the chart's own scroll and scale pause meanwhile) or moved with the arrow keys
 * (1 pip, Shift 10), sent on release or Enter, put back on Escape or a refusal.
 */
import { useCallback, useState, type KeyboardEvent, type PointerEvent } from "react";
import { formatPrice, roundTo } from "../../lib/format";
import type { LevelKind, TradeLevel } from "./candles";
import type { ChartRefs } from "./chart-refs";

export interface Handle extends TradeLevel {
  /** Where the handle is drawn: the draft while dragging, else the trade's level (`price`). */
  shown: number;
  y: number | null;
}

export interface HandleEvents {
  onPointerDown: (event: PointerEvent<HTMLButtonElement>) => void;
  onPointerMove: (event: PointerEvent<HTMLButtonElement>) => void;
  onPointerUp: (event: PointerEvent<HTMLButtonElement>) => void;
  onPointerCancel: (event: PointerEvent<HTMLButtonElement>) => void;
  onKeyDown: (event: KeyboardEvent<HTMLButtonElement>) => void;
}

export function useDragHandles(
  refs: ChartRefs,
  options: {
    digits: number;
    pip: number;
    onModify: (tradeId: number, kind: LevelKind, price: string) => Promise<unknown>;
  },
) {
  const { digits, pip, onModify } = options;
  const [handles, setHandles] = useState<Handle[]>([]);
  const [dragging, setDragging] = useState<string | null>(null);
  const [frame] = useState<{ current: number | null }>(() => ({ current: null }));

  /** Handle positions follow the price scale; recomputed at most once per frame. */
  const placeHandles = useCallback(() => {
    if (frame.current !== null) return;
    frame.current = requestAnimationFrame(() => {
      frame.current = null;
      const series = refs.series.current;
      const height = refs.container.current?.clientHeight ?? 0;
      if (!series) return;
      const next = refs.levels.current
        .filter((l) => l.draggable)
        .map((l) => {
          const shown = refs.drafts.current.get(l.key) ?? l.price;
          const y = series.priceToCoordinate(shown);
          // Off-scale levels get no handle (it would float over other panels).
          const visible = y !== null && y >= 0 && y <= height - 28;
          return { ...l, shown, y: visible ? Math.round(y) : null };
        });
      setHandles((previous) =>
        previous.length === next.length &&
        previous.every(
          (h, i) => h.key === next[i]!.key && h.y === next[i]!.y && h.shown === next[i]!.shown && h.price === next[i]!.price,
        )
          ? previous
          : next,
      );
    });
  }, [refs, frame]);

  /** Drops a pending placement (the chart it measured is going away). */
  const cancelPlacement = useCallback(() => {
    if (frame.current !== null) cancelAnimationFrame(frame.current);
    frame.current = null;
  }, [frame]);

  const moveDraft = (handle: Handle, price: number) => {
    const rounded = roundTo(price, digits);
    refs.drafts.current.set(handle.key, rounded);
    refs.levelLines.current.get(handle.key)?.applyOptions({ price: rounded });
    placeHandles();
  };

  const commit = async (handle: Handle) => {
    const drafts = refs.drafts.current;
    const draft = drafts.get(handle.key);
    if (draft === undefined || draft === handle.price) {
      drafts.delete(handle.key);
      return;
    }
    try {
      await onModify(handle.tradeId, handle.kind, formatPrice(draft, digits));
    } catch {
      // Refused: the line goes back to the server's level; the error is shown by onModify's caller.
      refs.levelLines.current.get(handle.key)?.applyOptions({ price: handle.price });
    } finally {
      drafts.delete(handle.key);
      placeHandles();
    }
  };

  const onPointerUp = (handle: Handle) => (event: PointerEvent<HTMLButtonElement>) => {
    if (dragging !== handle.key) return;
    event.currentTarget.releasePointerCapture(event.pointerId);
    refs.chart.current?.applyOptions({ handleScroll: true, handleScale: true });
    setDragging(null);
    void commit(handle);
  };

  /** The pointer and key handlers of one handle's button. */
  const eventsFor = (handle: Handle): HandleEvents => ({
    onPointerDown: (event) => {
      event.preventDefault();
      event.currentTarget.setPointerCapture(event.pointerId);
      refs.chart.current?.applyOptions({ handleScroll: false, handleScale: false });
      setDragging(handle.key);
    },
    onPointerMove: (event) => {
      if (dragging !== handle.key) return;
      const rect = refs.container.current?.getBoundingClientRect();
      const price = rect ? refs.series.current?.coordinateToPrice(event.clientY - rect.top) : null;
      if (price !== null && price !== undefined) moveDraft(handle, price);
    },
    onPointerUp: onPointerUp(handle),
    onPointerCancel: onPointerUp(handle),
    onKeyDown: (event) => {
      const step = (event.shiftKey ? 10 : 1) * pip;
      const current = refs.drafts.current.get(handle.key) ?? handle.price;
      if (event.key === "ArrowUp" || event.key === "ArrowDown") {
        event.preventDefault();
        moveDraft(handle, current + (event.key === "ArrowUp" ? step : -step));
      } else if (event.key === "Enter") {
        event.preventDefault();
        void commit(handle);
      } else if (event.key === "Escape") {
        refs.drafts.current.delete(handle.key);
        refs.levelLines.current.get(handle.key)?.applyOptions({ price: handle.price });
        placeHandles();
      }
    },
  });

  return { handles, dragging, placeHandles, cancelPlacement, eventsFor };
}

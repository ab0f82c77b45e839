/**
 * The trader's horizontal lines as price lines (sparse dotted, grey), and the "Draw line" click:
 * while armed, a click on the chart puts a line at the clicked price.
 */
import { LineStyle, type IPriceLine, type MouseEventParams, type Time } from "lightweight-charts";
import { useEffect, useRef } from "react";
import { formatPrice } from "../../lib/format";
import type { ChartRefs } from "./chart-refs";

export function useHorizontalLines(
  refs: ChartRefs,
  options: { symbol: string; digits: number; lines: number[]; drawing: boolean; onDrawAt: (price: number) => void },
): void {
  const { symbol, digits, lines, drawing, onDrawAt } = options;
  const drawn = useRef(new Map<number, IPriceLine>());
  const key = lines.join(",");

  useEffect(() => {
    const series = refs.series.current;
    const container = refs.container.current;
    if (!series || !container) return;
    const wanted = new Set(lines);
    for (const [price, line] of drawn.current) {
      if (!wanted.has(price)) {
        series.removePriceLine(line);
        drawn.current.delete(price);
      }
    }
    for (const price of wanted) {
      if (drawn.current.has(price)) continue;
      drawn.current.set(
        price,
        series.createPriceLine({
          price,
          color: "#b2b5be",
          lineWidth: 1,
          lineStyle: LineStyle.SparseDotted,
          axisLabelVisible: true,
          title: "",
        }),
      );
    }
    container.dataset.hlines = lines.map((p) => formatPrice(p, digits)).join(" ");
    // `lines` is described by `key`
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [refs, key, symbol, digits]);

  // A new chart (symbol, digits) starts without lines: its series took them along.
  useEffect(() => {
    const map = drawn.current;
    return () => map.clear();
  }, [symbol, digits]);

  const onDraw = useRef(onDrawAt);
  onDraw.current = onDrawAt;
  useEffect(() => {
    const chart = refs.chart.current;
    if (!chart || !drawing) return;
    const click = (param: MouseEventParams<Time>) => {
      const price = param.point ? refs.series.current?.coordinateToPrice(param.point.y) : null;
      if (price !== null && price !== undefined && price > 0) onDraw.current(price);
    };
    chart.subscribeClick(click);
    return () => chart.unsubscribeClick(click);
  }, [refs, drawing, symbol, digits]);
}

import type { ReactNode } from "react";
import { formatMoney, formatPips, signClass } from "../lib/format";

/** A header cell: its text, with a class ("r": a right-aligned figure) or only a name for screen readers. */
export type Column = string | { label: string; className?: string; ariaLabel?: string };

/** Right-aligned columns, for figures. */
export const figures = (...labels: string[]): Column[] => labels.map((label) => ({ label, className: "r" }));

/** The trailing column of row buttons: no heading text, named for screen readers. */
export const ACTIONS: Column = { label: "", ariaLabel: "Actions" };

/**
 * A `grid` table: optional caption, one header row from `columns`, and the rows given as children,
 * after a full-width "empty" row with the `empty` text when there is one to show.
 */
export function GridTable(props: {
  columns: readonly Column[];
  testId: string;
  className?: string;
  caption?: ReactNode;
  empty?: ReactNode;
  children: ReactNode;
}) {
  const { columns, testId, className = "grid", caption, empty, children } = props;
  return (
    <table className={className} data-testid={testId}>
      {caption && <caption>{caption}</caption>}
      <thead>
        <tr>
          {columns.map((column) => {
            const { label, className, ariaLabel } = typeof column === "string" ? { label: column } : column;
            return (
              <th key={label || ariaLabel} className={className} aria-label={ariaLabel}>
                {label || null}
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        {empty && (
          <tr>
            <td colSpan={columns.length} className="empty">
              {empty}
            </td>
          </tr>
        )}
        {children}
      </tbody>
    </table>
  );
}

type Figure = string | number | null | undefined;

/** A row's closing pips and P&L cells: right-aligned, signed, coloured by their sign. */
export function PipsPnlCells({ pips, pnl, pnlTestId }: { pips: Figure; pnl: Figure; pnlTestId?: string }) {
  return (
    <>
      <td className={`r num ${signClass(pips)}`}>{formatPips(pips)}</td>
      <td className={`r num ${signClass(pnl)}`} data-testid={pnlTestId}>
        {formatMoney(pnl, true)}
      </td>
    </>
  );
}

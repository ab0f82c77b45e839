import type { ReactNode, SelectHTMLAttributes } from "react";

type Props = SelectHTMLAttributes<HTMLSelectElement> & {
  id: string;
  /** The select's name for screen readers; the toolbar shows only the select. */
  label: string;
  options: readonly (readonly [string | number, ReactNode])[];
};

/** A toolbar select with a label only screen readers see (the chart's symbol, the account switcher). */
export function LabelledSelect({ id, label, options, ...select }: Props) {
  return (
    <>
      <label className="sr-only" htmlFor={id}>
        {label}
      </label>
      <select id={id} {...select}>
        {options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </>
  );
}

import type { InputHTMLAttributes, ReactNode } from "react";

type FieldProps = InputHTMLAttributes<HTMLInputElement> & {
  /** The label's text, before the input. */
  label: ReactNode;
  labelClassName?: string;
  /** What follows the input inside the label: a hint, the field's error. */
  children?: ReactNode;
};

/** One form row: a label wrapping its text, the input (every other prop goes to it) and what follows. */
export function Field({ label, labelClassName, children, ...input }: FieldProps) {
  return (
    <label className={labelClassName}>
      {label}
      <input {...input} />
      {children}
    </label>
  );
}

import type { ReactNode } from "react";

interface ChoiceProps<T> {
  options: readonly (readonly [T, ReactNode])[];
  value: T;
  onChange: (value: T) => void;
  className: string;
}

/** A row of buttons of which one is chosen, as radios in a radiogroup or as tabs in a tablist. */
function ChoiceButtons<T extends string | number>(
  props: ChoiceProps<T> & { role: "radio" | "tab"; label?: string; testId?: (option: T) => string },
) {
  const { role, label, options, value, onChange, className, testId } = props;
  return (
    <div className={className} role={role === "radio" ? "radiogroup" : "tablist"} aria-label={label}>
      {options.map(([option, text]) => (
        <button
          key={option}
          type="button"
          role={role}
          {...(role === "radio" ? { "aria-checked": option === value } : { "aria-selected": option === value })}
          className={option === value ? "active" : ""}
          onClick={() => onChange(option)}
          data-testid={testId?.(option)}
        >
          {text}
        </button>
      ))}
    </div>
  );
}

/** A row of buttons of which one is chosen (chart interval, time range, size mode, level unit):
 * a radiogroup, so screen readers and tests find each choice by its label. */
export function RadioButtons<T extends string | number>(props: ChoiceProps<T> & { label: string }) {
  return <ChoiceButtons role="radio" {...props} />;
}

/** Tabs of which one is shown: a tablist, each tab marked aria-selected and test id `tab-<option>`. */
export function TabButtons<T extends string | number>(props: ChoiceProps<T>) {
  return <ChoiceButtons role="tab" testId={(option) => `tab-${option}`} {...props} />;
}

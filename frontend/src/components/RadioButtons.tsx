import { useRef, type KeyboardEvent, type ReactNode } from "react";

interface ChoiceProps<T> {
  options: readonly (readonly [T, ReactNode])[];
  value: T;
  onChange: (value: T) => void;
  className: string;
}

const NEXT_KEYS = new Set(["ArrowRight", "ArrowDown"]);
const PREVIOUS_KEYS = new Set(["ArrowLeft", "ArrowUp"]);

/**
 * A row of buttons of which one is chosen, as radios in a radiogroup or as tabs in a tablist —
 * a roving group (WAI-ARIA practice): one tab stop, the chosen button; arrow keys move and
 * choose (wrapping), Home and End go to the ends.
 */
function ChoiceButtons<T extends string | number>(
  props: ChoiceProps<T> & { role: "radio" | "tab"; label?: string; testId?: (option: T) => string },
) {
  const { role, label, options, value, onChange, className, testId } = props;
  const buttons = useRef<(HTMLButtonElement | null)[]>([]);
  const chosen = Math.max(
    0,
    options.findIndex(([option]) => option === value),
  );
  const onKeyDown = (event: KeyboardEvent<HTMLButtonElement>, index: number) => {
    let next: number | null = null;
    if (NEXT_KEYS.has(event.key)) next = (index + 1) % options.length;
    else if (PREVIOUS_KEYS.has(event.key)) next = (index - 1 + options.length) % options.length;
    else if (event.key === "Home") next = 0;
    else if (event.key === "End") next = options.length - 1;
    if (next === null) return;
    event.preventDefault();
    const option = options[next];
    if (!option) return;
    onChange(option[0]);
    buttons.current[next]?.focus();
  };
  return (
    <div className={className} role={role === "radio" ? "radiogroup" : "tablist"} aria-label={label}>
      {options.map(([option, text], index) => (
        <button
          key={option}
          ref={(el) => {
            buttons.current[index] = el;
          }}
          type="button"
          role={role}
          {...(role === "radio" ? { "aria-checked": option === value } : { "aria-selected": option === value })}
          tabIndex={index === chosen ? 0 : -1}
          className={option === value ? "active" : ""}
          onClick={() => onChange(option)}
          onKeyDown={(event) => onKeyDown(event, index)}
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

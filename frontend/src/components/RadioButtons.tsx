/** A row of buttons of which one is chosen (chart interval, time range, size mode, level unit):
 * a radiogroup, so screen readers and tests find each choice by its label. */
export function RadioButtons<T extends string | number>({
  label,
  options,
  value,
  onChange,
  className,
}: {
  label: string;
  options: readonly (readonly [T, string])[];
  value: T;
  onChange: (value: T) => void;
  className: string;
}) {
  return (
    <div className={className} role="radiogroup" aria-label={label}>
      {options.map(([option, text]) => (
        <button
          key={option}
          type="button"
          role="radio"
          aria-checked={option === value}
          className={option === value ? "active" : ""}
          onClick={() => onChange(option)}
        >
          {text}
        </button>
      ))}
    </div>
  );
}

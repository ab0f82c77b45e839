import { useState } from "react";
import { ErrorBanner } from "../../components/FieldError";
import { formatPrice } from "../../lib/format";
import type { Trade } from "../../lib/types";
import { useModifyTrade, type TradeChanges } from "./api";

const LEVELS = ["stop_loss", "take_profit_1", "take_profit_2", "take_profit_3"] as const;

export interface ModifyFormProps {
  trade: Trade;
  digits: number;
  /** Called when the change is saved, or when there was nothing to change. */
  onDone: () => void;
}

/** An open trade's SL and TP1–3, sent as one PATCH of the levels that changed. */
export function ModifyForm({ trade, digits, onDone }: ModifyFormProps) {
  const modify = useModifyTrade();
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(LEVELS.map((k) => [k, trade[k] ? formatPrice(trade[k], digits) : ""])),
  );
  const errors = (modify.error as { errors?: Record<string, string[]> } | null)?.errors ?? {};
  return (
    <form
      className="modify"
      onSubmit={(e) => {
        e.preventDefault();
        const changes: TradeChanges = {};
        for (const k of LEVELS) {
          const before = trade[k] ? formatPrice(trade[k], digits) : "";
          if (values[k] !== before) changes[k] = values[k] ? values[k]! : null;
        }
        if (!Object.keys(changes).length) return onDone();
        modify.mutate({ id: trade.id, changes }, { onSuccess: onDone });
      }}
    >
      {LEVELS.map((k) => (
        <label key={k}>
          {k === "stop_loss" ? "SL" : `TP${k.slice(-1)}`}
          <input
            className="num"
            type="number"
            step={String(10 ** -digits)}
            value={values[k]}
            onChange={(e) => setValues({ ...values, [k]: e.target.value })}
            aria-invalid={!!errors[k]}
          />
          {errors[k] && <span className="field-error">{errors[k]![0]}</span>}
        </label>
      ))}
      <button type="submit" className="btn primary" disabled={modify.isPending}>
        Save
      </button>
      {modify.error && !Object.keys(errors).length ? <ErrorBanner error={modify.error} /> : null}
    </form>
  );
}

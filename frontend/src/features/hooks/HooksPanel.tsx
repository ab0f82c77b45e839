import { useState, type FormEvent } from "react";
import { ConfirmDialog } from "../../components/ConfirmDialog";
import { Field } from "../../components/Field";
import { ErrorBanner } from "../../components/FieldError";
import { GridTable } from "../../components/GridTable";
import { formatTime } from "../../lib/format";
import type { WebhookToken } from "../../lib/types";
import { useCreateHook, useDeleteHook, useHookAttempts, useHooks, useRotateHook, useUpdateHook } from "./api";
import { tradingViewMessage } from "./tradingview";

/** Copies `text` to the clipboard; says "Copied" for a moment. */
function CopyButton({ text, testId }: { text: string; testId: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="btn ghost"
      data-testid={testId}
      onClick={() => {
        void navigator.clipboard?.writeText(text).then(
          () => {
            setCopied(true);
            window.setTimeout(() => setCopied(false), 1500);
          },
          () => setCopied(false),
        );
      }}
    >
      {copied ? "Copied" : "Copy"}
    </button>
  );
}

/** Webhook tokens (docs/signals.md, Webhook tokens): list, create and rotate (token and url shown once), switch off, delete, the TradingView message, the attempt log. */
export function HooksPanel({ account }: { account: number }) {
  const hooks = useHooks();
  const create = useCreateHook();
  const [name, setName] = useState("TradingView");
  const [source, setSource] = useState("");
  const [secret, setSecret] = useState("");
  const [created, setCreated] = useState<{ hook: WebhookToken; secret: string } | null>(null);
  const [selected, setSelected] = useState<number | undefined>(undefined);
  const [confirming, setConfirming] = useState<"rotate" | "delete" | null>(null);
  const update = useUpdateHook();
  const rotate = useRotateHook();
  const remove = useDeleteHook();
  const list = hooks.data?.results ?? [];
  const shown = selected ?? created?.hook.id ?? list[0]?.id;
  const shownHook = list.find((h) => h.id === shown) ?? (created?.hook.id === shown ? created?.hook : undefined);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { name: name.trim(), account, ...(source.trim() ? { source: source.trim() } : {}), ...(secret ? { secret } : {}) },
      {
        onSuccess: (hook) => {
          setCreated({ hook, secret });
          setSelected(hook.id);
          setSecret("");
        },
      },
    );
  };
  const closeDialog = () => {
    setConfirming(null);
    rotate.reset();
    remove.reset();
  };
  const confirmRotate = (hook: WebhookToken) =>
    rotate.mutate(hook.id, {
      onSuccess: (fresh) => {
        // The secret is the hook's own and survives a rotation; only the token and url change.
        setCreated({ hook: fresh, secret: "" });
        setConfirming(null);
      },
    });
  const confirmDelete = (hook: WebhookToken) =>
    remove.mutate(hook.id, {
      onSuccess: () => {
        if (created?.hook.id === hook.id) setCreated(null);
        setSelected(undefined);
        setConfirming(null);
      },
    });
  const message = tradingViewMessage({
    source: shownHook?.source || undefined,
    secret: created && created.hook.id === shown ? created.secret || undefined : shownHook?.has_secret ? "your secret" : undefined,
  });

  return (
    <section className="panel hooks" aria-label="Webhooks" data-testid="hooks-panel">
      <h2 className="panel-title">Webhooks</h2>
      <form className="hook-form" onSubmit={submit} data-testid="hook-form">
        <Field label="Name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100} data-testid="hook-name" />
        <Field label="Source (optional)" value={source} onChange={(e) => setSource(e.target.value)} placeholder="tv-breakout" data-testid="hook-source" />
        <Field
          label="Secret (optional)"
          type="password"
          autoComplete="new-password"
          value={secret}
          onChange={(e) => setSecret(e.target.value)}
          data-testid="hook-secret"
        />
        <button type="submit" className="btn buy" disabled={create.isPending || !name.trim()} data-testid="hook-create">
          Create token
        </button>
      </form>
      {create.error ? <ErrorBanner error={create.error} /> : null}
      {created?.hook.url && (
        <div className="hook-created" role="status" data-testid="hook-created" data-hook-id={created.hook.id}>
          <p>
            <strong>Copy the URL now:</strong> the token in it is shown only this once.
          </p>
          <div className="copy-row">
            <code data-testid="hook-url">{created.hook.url}</code>
            <CopyButton text={created.hook.url} testId="hook-copy-url" />
          </div>
          {created.hook.token && (
            <div className="copy-row">
              <code data-testid="hook-token">{created.hook.token}</code>
              <CopyButton text={created.hook.token} testId="hook-copy-token" />
            </div>
          )}
        </div>
      )}
      {hooks.error ? <ErrorBanner error={hooks.error} /> : null}
      <GridTable
        testId="hooks"
        columns={["Name", "Source", "Token", "Account", "Active", "Last used", "Rate / min"]}
        empty={list.length === 0 && (hooks.isPending ? "Loading…" : "No webhook tokens yet.")}
      >
        {list.map((h) => (
          <tr
            key={h.id}
            className={h.id === shown ? "selected" : ""}
            onClick={() => setSelected(h.id)}
            data-testid="hook-row"
            data-hook-id={h.id}
          >
            <td>
              <button type="button" className="link" onClick={() => setSelected(h.id)}>
                {h.name}
              </button>
            </td>
            <td>{h.source || "—"}</td>
            <td className="num">{h.token_hint}…</td>
            <td className="num">#{h.account}</td>
            <td>{h.active ? "yes" : "off"}</td>
            <td className="num">{formatTime(h.last_used_at)}</td>
            <td className="num">{h.rate_limit_per_minute}</td>
          </tr>
        ))}
      </GridTable>
      {shownHook && (
        <div className="hook-actions" data-testid="hook-actions">
          <span className="muted">
            {shownHook.name} · {shownHook.token_hint}…
          </span>
          <button
            type="button"
            className="btn ghost"
            disabled={update.isPending}
            onClick={() => update.mutate({ id: shownHook.id, active: !shownHook.active })}
            data-testid="hook-toggle"
          >
            {shownHook.active ? "Switch off" : "Switch on"}
          </button>
          <button type="button" className="btn ghost" onClick={() => setConfirming("rotate")} data-testid="hook-rotate">
            Rotate token
          </button>
          <button type="button" className="btn ghost danger-text" onClick={() => setConfirming("delete")} data-testid="hook-delete">
            Delete
          </button>
        </div>
      )}
      {update.error ? <ErrorBanner error={update.error} /> : null}
      {shownHook && confirming === "rotate" && (
        <ConfirmDialog
          title={`Rotate the token of “${shownHook.name}”?`}
          confirmLabel="Rotate token"
          pending={rotate.isPending}
          error={rotate.error}
          onCancel={closeDialog}
          onConfirm={() => confirmRotate(shownHook)}
          testId="hook-rotate-dialog"
        >
          <p>
            The current URL stops working at once; alerts still pointing at it are refused with 403. The new URL is shown
            once, here.
          </p>
        </ConfirmDialog>
      )}
      {shownHook && confirming === "delete" && (
        <ConfirmDialog
          title={`Delete “${shownHook.name}”?`}
          confirmLabel="Delete token"
          pending={remove.isPending}
          error={remove.error}
          onCancel={closeDialog}
          onConfirm={() => confirmDelete(shownHook)}
          testId="hook-delete-dialog"
        >
          <p>
            Alerts sent to its URL are refused from now on and its attempt log is deleted with it. Signals it brought in
            stay in the journal.
          </p>
        </ConfirmDialog>
      )}
      {shown !== undefined && (
        <div className="hook-detail">
          <div className="tv-message">
            <div className="copy-row">
              <h3>TradingView alert message</h3>
              <CopyButton text={message} testId="hook-copy-message" />
            </div>
            <p className="muted">
              Paste the token&apos;s URL into <em>Webhook URL</em> and this into <em>Message</em> (a strategy alert; for an
              indicator alert write <code>&quot;action&quot;: &quot;buy&quot;</code> yourself).
            </p>
            <pre data-testid="hook-message">{message}</pre>
          </div>
          <Attempts hook={shown} />
        </div>
      )}
    </section>
  );
}

function Attempts({ hook }: { hook: number }) {
  const attempts = useHookAttempts(hook);
  const rows = attempts.data?.results ?? [];
  return (
    <div className="hook-attempts">
      <div className="copy-row">
        <h3>Attempts</h3>
        <button type="button" className="btn ghost" onClick={() => void attempts.refetch()} data-testid="hook-attempts-refresh">
          Refresh
        </button>
      </div>
      {attempts.error ? <ErrorBanner error={attempts.error} /> : null}
      <GridTable
        testId="hook-attempts"
        columns={["Time", "Status", "Code", "Message", "Address", "Signal", "Body"]}
        empty={rows.length === 0 && (attempts.isPending ? "Loading…" : "No calls yet.")}
      >
        {rows.map((a) => (
          <tr key={a.id} className={a.accepted ? "" : "refused"} data-testid="hook-attempt">
            <td className="num">{formatTime(a.time)}</td>
            <td className={`num ${a.accepted ? "up" : "down"}`}>{a.status}</td>
            <td>
              <code>{a.code || "—"}</code>
            </td>
            <td>{a.message}</td>
            <td className="num">{a.remote_addr}</td>
            <td className="num">{a.signal ?? "—"}</td>
            <td className="body-cell" title={a.body}>
              <code>{a.body.slice(0, 120)}</code>
            </td>
          </tr>
        ))}
      </GridTable>
    </div>
  );
}

export function FieldError({ id, message }: { id: string; message?: string }) {
  if (!message) return null;
  return (
    <div className="field-error" id={id} role="alert">
      {message}
    </div>
  );
}

/** The API's error body as one readable line plus field messages. */
export function ErrorBanner({ error }: { error: unknown }) {
  if (!error) return null;
  const e = error as { code?: string; message?: string; errors?: Record<string, string[]> };
  const details = e.errors ? Object.entries(e.errors).map(([field, messages]) => `${field}: ${messages.join(" ")}`) : [];
  return (
    <div className="error-banner" role="alert">
      <strong>{e.message ?? String(error)}</strong>
      {e.code ? <code> {e.code}</code> : null}
      {details.length > 0 && (
        <ul>
          {details.map((d) => (
            <li key={d}>{d}</li>
          ))}
        </ul>
      )}
    </div>
  );
}

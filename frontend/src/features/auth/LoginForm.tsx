import { useState, type ChangeEvent } from "react";
import { Field } from "../../components/Field";
import { ApiError } from "../../lib/api-client";
import { useLogin } from "./api";

export function LoginForm() {
  const [credentials, setCredentials] = useState({ username: "", password: "" });
  const login = useLogin();
  const error = login.error instanceof ApiError ? login.error : null;
  // What the two inputs share: name, value, invalid state and the server's message under it.
  const input = (name: keyof typeof credentials) => ({
    name,
    value: credentials[name],
    onChange: (e: ChangeEvent<HTMLInputElement>) => {
      const value = e.target.value;
      setCredentials((c) => ({ ...c, [name]: value }));
    },
    "aria-invalid": !!error?.fieldError(name),
    required: true,
    children: error?.fieldError(name) && <span className="field-error">{error.fieldError(name)}</span>,
  });
  return (
    <main className="login">
      <form
        className="panel login-card"
        onSubmit={(e) => {
          e.preventDefault();
          login.mutate(credentials);
        }}
      >
        <h1>
          forex_signal <span className="paper-tag">PAPER TRADING</span>
        </h1>
        <p className="muted">Simulated accounts. No real money moves.</p>
        <Field label="Username" {...input("username")} autoComplete="username" autoFocus />
        <Field label="Password" {...input("password")} type="password" autoComplete="current-password" />
        {login.error && !error?.fieldError("username") && !error?.fieldError("password") && (
          <div className="field-error" role="alert" data-testid="login-error">
            {login.error.message}
          </div>
        )}
        <button type="submit" className="btn primary" disabled={login.isPending}>
          {login.isPending ? "Signing in…" : "Sign in"}
        </button>
      </form>
    </main>
  );
}

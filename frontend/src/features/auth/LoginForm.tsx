import { useState } from "react";
import { ApiError } from "../../lib/api-client";
import { useLogin } from "./api";

export function LoginForm() {
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const login = useLogin();
  const error = login.error instanceof ApiError ? login.error : null;
  return (
    <main className="login">
      <form
        className="panel login-card"
        onSubmit={(e) => {
          e.preventDefault();
          login.mutate({ username, password });
        }}
      >
        <h1>
          forex_signal <span className="paper-tag">PAPER TRADING</span>
        </h1>
        <p className="muted">Simulated accounts. No real money moves.</p>
        <label>
          Username
          <input
            name="username"
            autoComplete="username"
            value={username}
            onChange={(e) => setUsername(e.target.value)}
            aria-invalid={!!error?.fieldError("username")}
            required
            autoFocus
          />
          {error?.fieldError("username") && <span className="field-error">{error.fieldError("username")}</span>}
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={!!error?.fieldError("password")}
            required
          />
          {error?.fieldError("password") && <span className="field-error">{error.fieldError("password")}</span>}
        </label>
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

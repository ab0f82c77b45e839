/** The one HTTP client: same-origin session cookie, CSRF header on unsafe methods, the API's error body. */

export const API = "/api/paper-trading";

/** `?period=current` of trades/: each account's trades since its last reset (docs/api.md). */
export const CURRENT_PERIOD = "current";

/** The code of the error thrown when no answer came (offline, server down): status 0. */
export const NETWORK_ERROR = "network_error";

/** The API's error body (docs/api.md, Errors), thrown for every non-2xx answer. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly errors: Record<string, string[]>;

  constructor(status: number, code: string, message: string, errors: Record<string, string[]> = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.errors = errors;
  }

  /** The first message for `field`, for showing next to that field. */
  fieldError(field: string): string | undefined {
    return this.errors[field]?.[0];
  }
}

export function readCookie(name: string, cookie: string = document.cookie): string | undefined {
  for (const part of cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return undefined;
}

type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}${path.includes("?") ? "&" : "?"}${text}` : path;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

export async function request<T>(
  method: string,
  path: string,
  options: { body?: unknown; query?: Query; signal?: AbortSignal } = {},
): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  if (!SAFE.has(method)) {
    const token = readCookie("csrftoken");
    if (token) headers["X-CSRFToken"] = token;
  }
  let response: Response;
  try {
    response = await fetch(withQuery(path, options.query), {
      method,
      headers,
      credentials: "same-origin",
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      signal: options.signal,
    });
  } catch (error) {
    if (options.signal?.aborted) throw error; // a cancelled query, not a failure
    // The browser's own words ("TypeError: Failed to fetch") say nothing to a trader.
    throw new ApiError(0, NETWORK_ERROR, "The server cannot be reached: check the connection.");
  }
  const text = await response.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const body = (data ?? {}) as { code?: string; message?: string; errors?: Record<string, string[]> };
    throw new ApiError(
      response.status,
      body.code ?? `http_${response.status}`,
      body.message ?? (response.statusText || `HTTP ${response.status}`),
      body.errors ?? {},
    );
  }
  return data as T;
}

export const api = {
  get: <T>(path: string, query?: Query, signal?: AbortSignal) => request<T>("GET", path, { query, signal }),
  post: <T>(path: string, body?: unknown) => request<T>("POST", path, { body: body ?? {} }),
  patch: <T>(path: string, body: unknown) => request<T>("PATCH", path, { body }),
  delete: <T = null>(path: string) => request<T>("DELETE", path),
};

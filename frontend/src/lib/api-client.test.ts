import { afterEach, describe, expect, it, vi } from "vitest";
import { api, ApiError, readCookie, withQuery } from "./api-client";

afterEach(() => {
  vi.unstubAllGlobals();
  document.cookie = "csrftoken=; expires=Thu, 01 Jan 1970 00:00:00 GMT";
});

describe("api client", () => {
  it("sends the CSRF cookie as X-CSRFToken on unsafe methods only", async () => {
    document.cookie = "csrftoken=abc123";
    const fetchMock = vi.fn(async () => new Response("{}", { status: 200 }));
    vi.stubGlobal("fetch", fetchMock);
    await api.post("/api/x/", { a: 1 });
    await api.get("/api/y/", { symbol: "EURUSD", empty: "", missing: undefined });
    const [postUrl, post] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    const [getUrl, get] = fetchMock.mock.calls[1] as unknown as [string, RequestInit];
    expect(postUrl).toBe("/api/x/");
    expect((post.headers as Record<string, string>)["X-CSRFToken"]).toBe("abc123");
    expect(post.body).toBe('{"a":1}');
    expect(post.credentials).toBe("same-origin");
    expect(getUrl).toBe("/api/y/?symbol=EURUSD");
    expect((get.headers as Record<string, string>)["X-CSRFToken"]).toBeUndefined();
  });

  it("throws the API's error body with field messages", async () => {
    const body = { code: "validation_error", message: "Bad SL.", errors: { stop_loss: ["Bad SL."] } };
    vi.stubGlobal("fetch", vi.fn(async () => new Response(JSON.stringify(body), { status: 400 })));
    const error = await api.patch("/api/t/1/", { stop_loss: "2" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, code: "validation_error", message: "Bad SL." });
    expect((error as ApiError).fieldError("stop_loss")).toBe("Bad SL.");
  });

  it("survives a non-JSON error page", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => new Response("<html>", { status: 502, statusText: "Bad Gateway" })));
    await expect(api.get("/api/z/")).rejects.toMatchObject({ status: 502, code: "http_502", message: "Bad Gateway" });
  });

  it("turns a failed fetch into the API's error shape, never the browser's TypeError text", async () => {
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new TypeError("Failed to fetch"))));
    const error = await api.post("/api/x/", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 0, code: "network_error" });
    expect(String((error as Error).message)).not.toMatch(/TypeError|Failed to fetch/);
  });

  it("lets a cancelled query's abort through as it is", async () => {
    const controller = new AbortController();
    controller.abort();
    vi.stubGlobal("fetch", vi.fn(async () => Promise.reject(new DOMException("aborted", "AbortError"))));
    await expect(api.get("/api/x/", undefined, controller.signal)).rejects.toMatchObject({ name: "AbortError" });
  });

  it("reads cookies and builds query strings", () => {
    expect(readCookie("csrftoken", "a=1; csrftoken=x%3Dy; b=2")).toBe("x=y");
    expect(readCookie("nope", "a=1")).toBeUndefined();
    expect(withQuery("/p/?a=1", { b: 2 })).toBe("/p/?a=1&b=2");
    expect(withQuery("/p/", {})).toBe("/p/");
  });
});

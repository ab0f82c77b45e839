// End-to-end: the built dashboard in Debian's Chromium (playwright-core) against the real server
// (`manage.py serve`, daphne + WebSockets) with FEED=manual on a fresh SQLite database.
//
// sign in → chart shows candles → the ticket's SL/TP (and a limit's entry) drawn as preview lines
// before sending → market buy with SL and TP from the ticket → the position's live P&L follows
// pushed ticks → drag the TP line → a tick hits the new TP → history shows the right P&L →
// performance cards and equity curve change; a second user sees none of it → reset (the old
// trade's chart markers and history rows gone) → partial
// close from the positions table → a second account made through the API, switched to in the UI,
// takes its own order → a webhook alert appears live as a signal card, one click executes it
// (position and SL/TP lines) → the Swagger UI and the admin render. No page may break the server's
// Content-Security-Policy (every violation report and CSP console error is collected).
// Also measures the figures of docs/performance.md ("Dashboard"): bundle size, first paint and
// long tasks with 5,000 candles and 20 ticks per second. Screenshots and figures.json go to
// frontend/test-results/e2e/.
import assert from "node:assert/strict";
import { spawn, execFileSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import { chromium } from "playwright-core";

const FRONTEND = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const ROOT = path.resolve(FRONTEND, "..");
const ARTIFACTS = path.join(FRONTEND, "test-results", "e2e");
const PYTHON = process.env.E2E_PYTHON ?? path.join(ROOT, ".venv", "bin", "python");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const HEADLESS = process.env.E2E_HEADED !== "1";
const PASSWORDS = { admin: "admin-e2e-pass-1", ops: "ops-e2e-pass-1", trader: "trader-e2e-pass-1", rival: "rival-e2e-pass-1" };
const SEED_BARS = 5000;

const figures = {};
const cspViolations = [];
const cleanups = [];
let step = "setup";
const openPages = [];

function log(message) {
  process.stdout.write(`[e2e] ${message}\n`);
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function manage(env, args, input) {
  return execFileSync(PYTHON, ["manage.py", ...args], { cwd: ROOT, env, input, encoding: "utf8" });
}

/** Users (staff pusher, admin, trader, rival) and 5,000 one-minute EURUSD bars ending at 1.10000. */
const SEED = `
import random
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from django.contrib.auth import get_user_model
from paper_trading.bars import upsert_bars
from paper_trading.domain.bars import Bar

User = get_user_model()
User.objects.create_user("e2e_ops", password="${PASSWORDS.ops}", is_staff=True)
User.objects.create_superuser("e2e_admin", password="${PASSWORDS.admin}")
User.objects.create_user("trader", password="${PASSWORDS.trader}")
User.objects.create_user("rival", password="${PASSWORDS.rival}")

rng = random.Random(7)
now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
raw, price = [], 0.0
for i in range(${SEED_BARS}, 0, -1):
    o = price
    c = o + rng.gauss(0, 0.00012)
    h = max(o, c) + abs(rng.gauss(0, 0.00005))
    lo = min(o, c) - abs(rng.gauss(0, 0.00005))
    raw.append((now - timedelta(minutes=i), o, h, lo, c))
    price = c
shift = 1.10000 - price
q = lambda v: Decimal(f"{v + shift:.5f}")
bars = [Bar(t, q(o), q(h), q(lo), q(c), Decimal(rng.randint(10, 400))) for t, o, h, lo, c in raw]
print(upsert_bars("EURUSD", "1m", bars, "manual"))
`;

async function waitForHealth(base, server) {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`server exited with ${server.exitCode}`);
    try {
      const response = await fetch(`${base}/healthz`);
      if (response.ok) return response.json();
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error("server did not answer /healthz within 30 s");
}

function makePusher(base, token) {
  return async function push(ticks) {
    const response = await fetch(`${base}/api/paper-trading/price/ticks/`, {
      method: "POST",
      headers: { Authorization: `Token ${token}`, "Content-Type": "application/json" },
      body: JSON.stringify(ticks),
    });
    const body = await response.json();
    assert.equal(response.status, 200, `tick push refused: ${JSON.stringify(body)}`);
    return body;
  };
}

const eur = (bid) => ({ symbol: "EURUSD", bid: bid.toFixed(5), ask: (bid + 0.0001).toFixed(5) });

/** A browser context whose pages report every Content-Security-Policy violation to cspViolations. */
async function newContext(browser, options) {
  const context = await browser.newContext(options);
  await context.exposeBinding("__reportCsp", ({ page }, violation) => cspViolations.push(`${page.url()}: ${violation}`));
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      window.__reportCsp(`${e.effectiveDirective} blocked ${e.blockedURI || "inline"} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  context.on("console", (message) => {
    if (message.text().includes("Content Security Policy")) cspViolations.push(`console: ${message.text()}`);
  });
  return context;
}

async function shot(page, name) {
  const file = path.join(ARTIFACTS, `${name}.png`);
  await page.screenshot({ path: file });
  log(`screenshot ${path.relative(FRONTEND, file)}`);
}

async function signIn(page, base, username, password) {
  await page.goto(`${base}/`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByTestId("paper-banner").waitFor();
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=price-chart]")?.dataset.candles) > 0);
}

const money = (n) => n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const text = (page, testId) => page.getByTestId(testId).first().innerText();

/** The ticket's preview lines the chart has drawn ("kind=price ...", "" for none). */
async function expectPreview(page, expected, what) {
  try {
    await page.waitForFunction(
      (want) => (document.querySelector("[data-testid=price-chart]")?.dataset.previewLines ?? "") === want,
      expected,
      { timeout: 10_000 },
    );
  } catch {
    const actual = await page.getByTestId("price-chart").getAttribute("data-preview-lines");
    throw new Error(`${what}: expected preview lines ${JSON.stringify(expected)}, saw ${JSON.stringify(actual ?? "")}`);
  }
}

/** Waits until the chart's marker ids (data-markers, "e12 x12-0 ...") satisfy `want`. */
async function expectMarkers(page, want, what) {
  try {
    await page.waitForFunction(
      (check) => {
        const ids = document.querySelector("[data-testid=price-chart]")?.dataset.markers;
        if (ids === undefined) return false;
        const list = ids ? ids.split(" ") : [];
        return check.every(([id, present]) => list.includes(id) === present) && (check.length || !list.length);
      },
      want,
      { timeout: 10_000 },
    );
  } catch {
    const actual = await page.getByTestId("price-chart").getAttribute("data-markers");
    throw new Error(`${what}: expected markers ${JSON.stringify(want)}, saw ${JSON.stringify(actual)}`);
  }
}

/** A REST call with a token; returns [status, body]. */
async function rest(base, token, method, route, body) {
  const response = await fetch(`${base}/api/paper-trading/${route}`, {
    method,
    headers: { Authorization: `Token ${token}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return [response.status, await response.json()];
}

async function tokenFor(base, username, password) {
  const response = await fetch(`${base}/api/auth/token/`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username, password }),
  });
  const { token } = await response.json();
  assert.ok(token, `token for ${username}`);
  return token;
}

const AXE = fs.readFileSync(path.join(FRONTEND, "node_modules", "axe-core", "axe.min.js"), "utf8");
const axeFindings = [];

/** axe-core over the page as it stands (WCAG 2 A and AA rules); serious and critical findings fail the run. */
async function axeCheck(page, screen) {
  // Evaluated through the DevTools protocol: the page's CSP (script-src 'self') rightly refuses inline scripts.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(AXE);
  const result = await page.evaluate(() =>
    window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } }),
  );
  const ran = [...result.passes, ...result.violations, ...result.incomplete].map((r) => r.id);
  assert.ok(ran.includes("color-contrast"), `axe ${screen}: the contrast rule ran`);
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  for (const v of bad) {
    axeFindings.push(`${screen}: ${v.id} (${v.impact}) ${v.nodes.length}× e.g. ${v.nodes[0]?.target.join(" ")}: ${v.nodes[0]?.failureSummary?.split("\n")[1] ?? ""}`);
  }
  log(`axe ${screen}: ${result.violations.length} findings, ${bad.length} serious or critical`);
}

/** PATCH trades/{id}/ from the page itself: its session cookie and CSRF token, as the dashboard sends it. */
function patchInPage(page, base, id, body) {
  return page.evaluate(
    ([base, id, body]) =>
      fetch(`${base}/api/paper-trading/trades/${id}/`, {
        method: "PATCH",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "X-CSRFToken": document.cookie.match(/csrftoken=([^;]+)/)?.[1] ?? "",
        },
        body: JSON.stringify(body),
      }).then((r) => r.status),
    [base, id, body],
  );
}

async function expectText(locator, expected, what) {
  try {
    await locator.filter({ hasText: expected }).first().waitFor({ timeout: 10_000 });
  } catch {
    const actual = await locator.first().innerText().catch(() => "<missing>");
    throw new Error(`${what}: expected ${JSON.stringify(expected)}, saw ${JSON.stringify(actual)}`);
  }
}

function bundleFigures() {
  const assets = path.join(FRONTEND, "dist", "assets");
  let raw = 0;
  let gz = 0;
  for (const name of fs.readdirSync(assets)) {
    if (!name.endsWith(".js")) continue;
    const data = fs.readFileSync(path.join(assets, name));
    raw += data.length;
    gz += zlib.gzipSync(data, { level: 9 }).length;
  }
  return { js_bytes: raw, js_gzip_bytes: gz, js_gzip_kb: Math.round((gz / 1024) * 10) / 10 };
}

async function main() {
  fs.rmSync(ARTIFACTS, { recursive: true, force: true });
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  if (!fs.existsSync(path.join(FRONTEND, "dist", "index.html"))) {
    log("no dist/: building");
    execFileSync("npm", ["run", "build"], { cwd: FRONTEND, stdio: "inherit" });
  }
  figures.bundle = bundleFigures();

  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "fx-e2e-"));
  cleanups.push(() => fs.rmSync(tmp, { recursive: true, force: true }));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = {
    ...process.env,
    DATABASE_URL: `sqlite:///${tmp}/e2e.sqlite3`,
    REDIS_URL: "",
    FEED: "manual",
    DEBUG: "false",
    SECRET_KEY: "e2e-only-not-secret-0123456789abcdef0123456789",
    ALLOWED_HOSTS: "127.0.0.1,localhost",
    AUTH_THROTTLE: "1000/min",
    PYTHONUNBUFFERED: "1",
  };
  step = "database";
  manage(env, ["migrate", "--noinput", "-v", "0"]);
  manage(env, ["collectstatic", "--noinput", "-v", "0"]);
  log(`seeded bars (created, updated): ${manage(env, ["shell"], SEED).trim()}`);

  step = "server";
  const serverLog = fs.openSync(path.join(ARTIFACTS, "server.log"), "w");
  const server = spawn(PYTHON, ["manage.py", "serve", "--host", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    env,
    stdio: ["ignore", serverLog, serverLog],
  });
  cleanups.push(
    () =>
      new Promise((resolve) => {
        if (server.exitCode !== null) return resolve();
        const timer = setTimeout(() => server.kill("SIGKILL"), 10_000);
        server.once("exit", () => {
          clearTimeout(timer);
          resolve();
        });
        server.kill("SIGTERM");
      }),
  );
  const health = await waitForHealth(base, server);
  assert.equal(health.feed, "manual");
  log(`server on ${base} (feed ${health.feed})`);

  const token = await tokenFor(base, "e2e_ops", PASSWORDS.ops);
  const push = makePusher(base, token);
  await push([eur(1.1)]);

  step = "browser";
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: HEADLESS,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  cleanups.unshift(() => browser.close());
  const desktop = { viewport: { width: 1440, height: 900 }, deviceScaleFactor: 1 };

  // ---- sign in ------------------------------------------------------------------------------
  step = "sign in";
  const ctxA = await newContext(browser, desktop);
  const page = await ctxA.newPage();
  openPages.push(page);
  const consoleErrors = [];
  page.on("pageerror", (error) => consoleErrors.push(String(error)));
  await page.goto(`${base}/`);
  await page.getByLabel("Username").waitFor();
  await shot(page, "01-sign-in");
  await axeCheck(page, "01-sign-in");
  await page.getByLabel("Username").fill("trader");
  await page.getByLabel("Password").fill("wrong-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expectText(page.getByTestId("login-error"), "Wrong username or password.", "bad credentials");
  await page.getByLabel("Password").fill(PASSWORDS.trader);
  await page.getByRole("button", { name: "Sign in" }).click();

  // ---- chart shows candles ------------------------------------------------------------------
  step = "chart";
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=price-chart]")?.dataset.candles) > 0);
  const candles = Number(await page.getByTestId("price-chart").getAttribute("data-candles"));
  assert.ok(candles >= 1000, `chart shows ${candles} candles`);
  await expectText(page.getByTestId("feed-badge"), "MANUAL", "feed badge");
  await expectText(page.getByTestId("connection-state"), "Connected", "connection state");
  await expectText(page.getByTestId("quote-strip"), "1.10000", "quote strip bid");
  await expectText(page.getByTestId("account-balance"), "10,000.00", "balance");
  // Tick volume in the legend: the seeded bars carry 10-400 each (SEED).
  await page.waitForFunction(() => /V \d/.test(document.querySelector(".chart-legend")?.textContent ?? ""));

  // ---- scrolling back loads older bars page by page until the stored history ends -----------------
  step = "history paging";
  assert.equal(candles, 1500, "the first page is the dashboard's 1,500 bars");
  const chartBox = await page.getByTestId("price-chart").boundingBox();
  const [cx, cy] = [chartBox.x + chartBox.width / 2, chartBox.y + chartBox.height / 2];
  const historyState = () => page.getByTestId("history-state").getAttribute("data-state");
  for (let i = 0; i < 60 && (await historyState()) !== "end"; i++) {
    await page.mouse.move(cx, cy);
    await page.mouse.wheel(0, 400); // zoom out
    await page.mouse.down();
    await page.mouse.move(cx + chartBox.width / 3, cy, { steps: 4 }); // and pan into the past
    await page.mouse.up();
    await page.waitForTimeout(100);
  }
  await page.waitForFunction(() => document.querySelector("[data-testid=history-state]")?.dataset.state === "end");
  const allCandles = Number(await page.getByTestId("price-chart").getAttribute("data-candles"));
  assert.ok(allCandles >= SEED_BARS && allCandles <= SEED_BARS + 2, `every stored bar, in pages: ${allCandles}`);
  await expectText(page.getByTestId("history-state"), "Start of history", "the end of the stored history");
  await shot(page, "01b-history-start");
  await page.reload(); // the default zoom again for what follows
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=price-chart]")?.dataset.candles) > 0);

  // ---- indicators: SMA over the candles, RSI in its own pane, the same values as the server's ------
  step = "indicators";
  await page.getByTestId("indicator-menu").locator("summary").click();

  await page.getByTestId("indicator-sma").check();
  await page.getByTestId("indicator-rsi").check();
  await page.waitForFunction(() => document.querySelector("[data-testid=price-chart]")?.dataset.indicators === "sma:20,rsi:14");
  await page.waitForFunction(() => (document.querySelector("[data-testid=price-chart]")?.dataset.indicatorValues ?? "").includes("rsi@"));
  await shot(page, "01c-indicators");
  const shownValues = (await page.getByTestId("price-chart").getAttribute("data-indicator-values")).split(" ");
  for (const entry of shownValues) {
    const [, kind, time, value] = entry.match(/^(\w+)@(\d+)=(.+)$/);
    const period = kind === "sma" ? 20 : 14;
    const [status, served] = await rest(base, token, "GET", `price/indicators/?symbol=EURUSD&interval=1m&kind=${kind}&period=${period}&limit=1&to=${time}`);
    assert.equal(status, 200, JSON.stringify(served));
    assert.equal(served.data[0].time, Number(time), `${kind}: the same bar`);
    // SMA is exact; RSI carries all history, so the server's page (ten periods of warm-up) and the
    // chart (1,500 bars) agree to the warm-up's bound: 100 × e^-10 < 0.005 RSI points.
    const tolerance = kind === "sma" ? 1e-8 : 0.005;
    assert.ok(Math.abs(Number(served.data[0].value) - Number(value)) < tolerance, `${kind} ${value} vs the server's ${served.data[0].value}`);
  }
  await page.getByTestId("indicator-sma").uncheck();
  await page.getByTestId("indicator-rsi").uncheck();
  await page.waitForFunction(() => !document.querySelector("[data-testid=price-chart]")?.dataset.indicators);
  await page.getByTestId("indicator-menu").locator("summary").click();

  // ---- a horizontal line: drawn with a click, kept over a reload, removed -----------------------------
  step = "horizontal line";
  await page.getByTestId("lines-menu").locator("summary").click();
  await page.getByTestId("draw-line").click();
  const lineBox = await page.getByTestId("price-chart").boundingBox();
  await page.mouse.click(lineBox.x + lineBox.width / 3, lineBox.y + lineBox.height * 0.3);
  await page.waitForFunction(() => /^\d+\.\d{5}$/.test(document.querySelector("[data-testid=price-chart]")?.dataset.hlines ?? ""));
  const drawnAt = await page.getByTestId("price-chart").getAttribute("data-hlines");
  await expectText(page.getByTestId("hline"), drawnAt, "the line's price in the list");
  await shot(page, "01d-horizontal-line");
  await page.reload();
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=price-chart]")?.dataset.candles) > 0);
  assert.equal(await page.getByTestId("price-chart").getAttribute("data-hlines"), drawnAt, "the line survives a reload");
  await page.getByTestId("lines-menu").locator("summary").click();
  await page.getByRole("button", { name: `Remove the line at ${drawnAt}` }).click();
  await page.waitForFunction(() => document.querySelector("[data-testid=price-chart]")?.dataset.hlines === "");
  await page.getByTestId("lines-menu").locator("summary").click();
  await page.getByTestId("view-performance").click();
  await expectText(page.getByTestId("perf-total_trades"), "0", "trades before");
  await page.waitForFunction(() => document.querySelector("[data-testid=equity-chart]")?.dataset.lastEquity);
  assert.equal(await page.getByTestId("equity-chart").getAttribute("data-last-equity"), "10000.00");
  await page.getByTestId("view-trade").click();
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=price-chart]")?.dataset.candles) > 0);

  // The rival signs in now, so anything leaking would reach them live.
  const ctxB = await newContext(browser, desktop);
  const rival = await ctxB.newPage();
  await signIn(rival, base, "rival", PASSWORDS.rival);

  // ---- ticket: its levels are drawn on the chart before sending ------------------------------------
  step = "ticket preview";
  // In pips from the ask 1.10010: SL 21 → 1.10010 − 0.00210 = 1.09800, TP1 29 → 1.10010 + 0.00290 = 1.10300.
  await page.getByRole("radio", { name: "Pips" }).click();
  await page.getByTestId("ticket-sl").fill("21");
  await page.getByTestId("ticket-tp1").fill("29");
  await expectPreview(page, "stop_loss=1.09800 take_profit_1=1.10300", "market buy, levels in pips");
  // A buy limit at 1.09900 draws its entry, and the pips count from it: SL 1.09690, TP1 1.10190.
  await page.getByTestId("order-type").selectOption("limit");
  await page.getByLabel("Limit price").fill("1.09900");
  await expectPreview(page, "entry=1.09900 stop_loss=1.09690 take_profit_1=1.10190", "buy limit");
  await expectText(page.getByTestId("order-preview"), "Buy limit 1.09900", "preview legend");
  await shot(page, "02-ticket-limit-preview");
  await page.getByTestId("ticket-clear").click();
  await expectPreview(page, "", "after Clear");
  await page.getByTestId("order-preview").waitFor({ state: "detached" });
  // A new symbol clears the ticket's levels (a EURUSD stop means nothing on GBPUSD): no lines.
  await page.getByTestId("order-type").selectOption("market");
  await page.getByTestId("ticket-sl").fill("30");
  await expectPreview(page, "stop_loss=1.09710", "market buy, SL 30 pips");
  await page.locator("#symbol-picker").selectOption("GBPUSD");
  await expectText(page.getByRole("heading", { name: /^Order/ }), "GBPUSD", "ticket symbol");
  await expectPreview(page, "", "after the symbol changed");
  assert.equal(await page.getByTestId("ticket-sl").inputValue(), "", "the symbol change cleared the SL");
  await page.locator("#symbol-picker").selectOption("EURUSD");
  await expectText(page.getByTestId("quote-strip"), "1.10000", "quote strip back on EURUSD");
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=price-chart]")?.dataset.candles) > 0);
  await page.getByRole("radio", { name: "Price" }).click();

  // ---- ticket: market buy 0.10 with SL and TP -------------------------------------------------
  step = "ticket";
  await page.getByTestId("ticket-lots").fill("0.10");
  await page.getByTestId("ticket-sl").fill("1.09800");
  await page.getByTestId("ticket-tp1").fill("1.10300");
  // Entry at the ask 1.10010: risk 0.00210 × 0.10 × 100,000 = 21.00 USD; R:R 0.00290 / 0.00210 = 1.38
  await expectText(page.getByTestId("preview-risk"), "21.00 USD", "ticket risk");
  await expectText(page.getByTestId("preview-rr"), "1 : 1.38", "ticket R:R");
  // Margin 0.10 × 100,000 × 1.10010 ÷ 100 = 110.01 USD; a pip is 0.10 × 100,000 × 0.0001 = 1.00 USD.
  await expectText(page.getByTestId("preview-margin"), "110.01 USD", "ticket margin");
  await expectText(page.getByTestId("preview-pip-value"), "1.00 USD", "ticket pip value");
  // 100 lots risk 21 pips × 1,000.00 USD = 21,000.00 USD, over the default cap of 2 % of 10,000.00:
  // the ticket says so, with the server's code, and does not send.
  await page.getByTestId("ticket-lots").fill("100");
  await expectText(
    page.getByTestId("ticket-blocked"),
    "Risk 21,000.00 USD is over the per-trade cap 200.00 USD (2 % of equity).",
    "risk refusal before sending",
  );
  assert.equal(await page.getByTestId("ticket-blocked").getAttribute("data-code"), "risk_per_trade_exceeded");
  assert.equal(await page.getByTestId("ticket-submit").isDisabled(), true);
  await shot(page, "03b-ticket-blocked");
  await page.getByTestId("ticket-lots").fill("0.10");
  await page.getByTestId("ticket-blocked").waitFor({ state: "detached" });
  // Risk mode: 1 % of 10,000 over 21 pips = 100 / 210 per lot = 0.47 lots, shown before sending.
  await page.getByRole("radio", { name: "Risk %" }).click();
  await page.getByTestId("ticket-risk").fill("1");
  await expectText(page.getByTestId("preview-lots"), "0.47", "lots from risk");
  await page.getByRole("radio", { name: "Lots" }).click();
  await expectText(page.getByTestId("preview-lots"), "0.10", "lots");
  await expectPreview(page, "stop_loss=1.09800 take_profit_1=1.10300", "ticket in prices");
  await expectText(page.getByTestId("order-preview"), "SL 1.09800", "preview legend");
  await shot(page, "03-ticket");
  // Enter in a field sends nothing while one-key trading is off (the default).
  await page.getByTestId("ticket-lots").press("Enter");
  await page.waitForTimeout(300);
  assert.equal(await page.locator("[data-testid^=position-]").count(), 0, "Enter in a field sent no order");
  await page.getByTestId("ticket-submit").click();
  // Sent: the preview lines go, the trade's own lines take their place.
  await expectPreview(page, "", "after sending");

  // ---- the position appears; live P&L follows ticks --------------------------------------------
  step = "position";
  const row = page.locator("[data-testid^=position-]").filter({ hasText: "EURUSD" }).first();
  await row.waitFor();
  const tradeId = Number(await row.getAttribute("data-trade-id"));
  assert.ok(tradeId > 0);
  await expectText(row, "1.10010", "entry at the ask");
  await push([eur(1.1006)]); // bid 1.10060: +5.0 pips, 0.00050 × 0.10 × 100,000 = +5.00
  await expectText(row.getByTestId("position-pnl"), "+5.00", "live P&L at 1.10060");
  await expectText(row.getByTestId("position-pips"), "+5.0", "live pips at 1.10060");
  await push([eur(1.1011)]); // +10.0 pips, +10.00
  await expectText(row.getByTestId("position-pnl"), "+10.00", "live P&L at 1.10110");
  await expectText(page.getByTestId("account-unrealized"), "+10.00", "account unrealized");
  await expectText(page.getByTestId("account-equity"), "10,010.00", "account equity");
  await shot(page, "04-position");
  // A far target stretches the price scale by default; with "Fit SL/TP" off it stays off-screen.
  assert.equal(await patchInPage(page, base, tradeId, { take_profit_2: "1.30000" }), 200, "far TP2 set");
  const farHandle = page.getByTestId(`handle-${tradeId}-take_profit_2`);
  await farHandle.waitFor();
  await shot(page, "04b-fit-levels-on");
  await page.getByTestId("fit-levels").uncheck();
  await farHandle.waitFor({ state: "detached" });
  await shot(page, "04c-fit-levels-off");
  await page.getByTestId("fit-levels").check();
  await farHandle.waitFor();
  assert.equal(await patchInPage(page, base, tradeId, { take_profit_2: null }), 200, "far TP2 removed");
  await farHandle.waitFor({ state: "detached" });

  // ---- drag the TP line from 1.10300 towards 1.10200 --------------------------------------------
  step = "drag TP";
  const tpHandle = page.getByTestId(`handle-${tradeId}-take_profit_1`);
  const slHandle = page.getByTestId(`handle-${tradeId}-stop_loss`);
  // Each handle names its trade and what the level is worth from the entry 1.10010 (0.10 lots):
  // TP 1.10300 is +29.0 pips, +29.00 USD; SL 1.09800 is −21.0 pips, −21.00 USD.
  await expectText(tpHandle, `#${tradeId} TP1 +29.0 pips / +29.00 USD`, "TP handle readout");
  await expectText(slHandle, `#${tradeId} SL −21.0 pips / −21.00 USD`, "SL handle readout");
  await tpHandle.waitFor();
  const tpBox = await tpHandle.boundingBox();
  const slBox = await slHandle.boundingBox();
  const yTp = tpBox.y + tpBox.height / 2;
  const ySl = slBox.y + slBox.height / 2;
  const yTarget = yTp + ((1.103 - 1.102) / (1.103 - 1.098)) * (ySl - yTp);
  const x = tpBox.x + tpBox.width / 2;
  await page.mouse.move(x, yTp);
  await page.mouse.down();
  for (let i = 1; i <= 8; i += 1) await page.mouse.move(x, yTp + ((yTarget - yTp) * i) / 8);
  await page.mouse.up();
  const tpCell = row.getByTestId("position-tp");
  await page.waitForFunction(
    (id) => {
      const cell = document.querySelector(`[data-trade-id="${id}"] [data-testid=position-tp]`);
      return cell && cell.textContent.trim() !== "1.10300";
    },
    tradeId,
    { timeout: 10_000 },
  );
  const newTp = Number((await tpCell.innerText()).trim());
  assert.ok(newTp > 1.1015 && newTp < 1.1025, `TP dragged to ${newTp}`);
  const foreign = await fetch(`${base}/api/paper-trading/trades/${tradeId}/`, {
    headers: { Authorization: `Token ${token}` },
  });
  assert.equal(foreign.status, 404, "another user (even staff) cannot read the trader's trade");
  await shot(page, "05-tp-dragged");

  // A refused drag (TP below the bid for a buy) shows the API's validation error.
  step = "refused drag";
  const box2 = await tpHandle.boundingBox();
  const y2 = box2.y + box2.height / 2;
  await page.mouse.move(x, y2);
  await page.mouse.down();
  for (let i = 1; i <= 6; i += 1) await page.mouse.move(x, y2 + ((ySl - 10 - y2) * i) / 6);
  await page.mouse.up();
  await page.getByTestId("modify-error").waitFor();
  const refusal = await text(page, "modify-error");
  assert.match(refusal, /take_profit_1/);
  await shot(page, "06-refused-drag");
  await page.getByTestId("modify-error").getByRole("button", { name: "Dismiss" }).click();
  assert.equal((await tpCell.innerText()).trim(), newTp.toFixed(5), "a refused drag keeps the TP");

  // Keyboard: Tab to the SL handle, five pips up with the arrow keys, Enter sends the PATCH.
  step = "keyboard SL";
  await slHandle.focus();
  for (let i = 0; i < 5; i += 1) await page.keyboard.press("ArrowUp");
  // The handle reads the new level live, before it is sent: from the entry 1.10010 to 1.09850 is
  // −16.0 pips, × 0.10 lots × 100,000 = −16.00 USD.
  await expectText(slHandle, `#${tradeId} SL −16.0 pips / −16.00 USD`, "SL readout while moving");
  await page.keyboard.press("Enter");
  await expectText(row.getByTestId("position-sl"), "1.09850", "SL moved by keyboard");

  // ---- a tick reaches the new TP; the trade moves to history with its P&L ------------------------
  step = "TP hit";
  const expectedPnl = Math.round((newTp - 1.1001) * 0.1 * 100000 * 100) / 100;
  const expectedPips = Math.round(((newTp - 1.1001) / 0.0001) * 10) / 10;
  const hit = await push([eur(newTp)]);
  if (!JSON.stringify(hit.results[0].triggered).includes(String(tradeId))) {
    const stored = await (await page.request.get(`${base}/api/paper-trading/trades/${tradeId}/`)).json();
    const { status, stop_loss: sl, take_profit_1: tp1, current_price: current } = stored;
    throw new Error(
      `tick at ${newTp} did not trigger #${tradeId}: ${JSON.stringify(hit)}; server: ${JSON.stringify({ status, sl, tp1, current })}`,
    );
  }
  await page.getByTestId("open-positions").getByText("No open positions.").waitFor();
  // The hit is announced: a toast with the trade's number, the reason in words, price and P&L.
  const tpToast = page.locator(`[data-testid=toast][data-trade-id="${tradeId}"]`).filter({ hasText: "TP1 hit" });
  await tpToast.waitFor();
  await expectText(tpToast, `#${tradeId} EURUSD TP1 hit`, "TP toast title");
  await expectText(tpToast, `+${expectedPnl.toFixed(2)} USD`, "TP toast P&L");
  assert.equal(await tpToast.getAttribute("data-tone"), "profit");
  await shot(page, "07a-tp-toast");
  await page.getByTestId("tab-events").click();
  await expectText(page.getByTestId("event-row").first(), `#${tradeId} EURUSD TP1 hit`, "the event log's newest line");
  await shot(page, "07b-event-log");
  await axeCheck(page, "07b-event-log");
  await page.getByTestId("tab-history").click();
  const historyRow = page.locator(`[data-testid=history] tr[data-trade-id="${tradeId}"]`);
  await historyRow.waitFor();
  await expectText(historyRow.getByTestId("exit-reason"), "TP1 hit", "exit reason in words");
  assert.equal(await historyRow.getByTestId("exit-reason").getAttribute("data-code"), "tp1_hit");
  await expectText(historyRow.getByTestId("trade-number"), `#${tradeId}`, "trade number in history");
  await expectText(historyRow.getByTestId("history-pnl"), `+${expectedPnl.toFixed(2)}`, "realized P&L");
  await expectText(historyRow, `+${expectedPips.toFixed(1)}`, "realized pips");
  await expectText(page.getByTestId("account-balance"), money(10000 + expectedPnl), "balance after");
  await shot(page, "07-history");
  const csvHref = await page.getByRole("link", { name: "Export CSV" }).getAttribute("href");
  const csv = await (await page.request.get(`${base}${csvHref}`)).text();
  const csvRow = csv.split("\n").find((line) => line.startsWith(`${tradeId},`));
  assert.ok(csvRow && csvRow.includes("tp1_hit") && csvRow.includes(expectedPnl.toFixed(2)), `CSV row: ${csvRow}`);

  // ---- performance cards and the equity curve changed --------------------------------------------
  step = "performance";
  await page.getByTestId("view-performance").click();
  await expectText(page.getByTestId("perf-total_trades"), "1", "trades after");
  await expectText(page.getByTestId("perf-total_pnl"), `+${expectedPnl.toFixed(2)}`, "net P&L card");
  await expectText(page.getByTestId("perf-win_rate"), "100.0 %", "win rate card");
  await expectText(page.getByTestId("by-symbol"), "EURUSD", "per-symbol table");
  await page.waitForFunction(
    (equity) => document.querySelector("[data-testid=equity-chart]")?.dataset.lastEquity === equity,
    (10000 + expectedPnl).toFixed(2),
  );
  assert.ok(Number(await page.getByTestId("equity-chart").getAttribute("data-points")) >= 2);
  await shot(page, "08-performance");
  await axeCheck(page, "08-performance");

  // ---- the second user saw none of it --------------------------------------------------------
  step = "isolation";
  await rival.getByTestId("open-positions").getByText("No open positions.").waitFor();
  await expectText(rival.getByTestId("account-balance"), "10,000.00", "rival balance");
  await rival.getByTestId("tab-history").click();
  await rival.getByTestId("history").getByText("Nothing in this period.").waitFor();
  await rival.getByTestId("view-performance").click();
  await expectText(rival.getByTestId("perf-total_trades"), "0", "rival trades");
  const leaked = await rival.evaluate((id) => {
    const text = document.body.innerText;
    return text.includes("TP1 hit") || text.includes(`#${id} `);
  }, tradeId);
  assert.equal(leaked, false, "the rival hears nothing of the trader's trade: no toast, no event line");
  await shot(rival, "09-second-user");

  // ---- reset (confirmation says history is kept) ----------------------------------------------------
  step = "reset";
  await page.getByTestId("view-trade").click();
  // The closed trade's entry and TP exit are on the chart before the reset...
  await expectMarkers(page, [[`e${tradeId}`, true], [`x${tradeId}-0`, true]], "markers before the reset");
  await page.getByRole("button", { name: "Reset account" }).click();
  const dialog = page.getByRole("dialog");
  await expectText(dialog, "History is kept", "reset confirmation");
  await shot(page, "10-reset-confirm");
  await dialog.getByRole("button", { name: "Reset account" }).click();
  await dialog.waitFor({ state: "detached" });
  await expectText(page.getByTestId("account-balance"), "10,000.00", "balance after reset");
  // ...and gone after it: the new period has no trades, so no markers and an empty history.
  await expectMarkers(page, [], "markers after the reset");
  await page.getByTestId("tab-history").click();
  await page.getByTestId("history").getByText("Nothing in this period.").waitFor();
  assert.equal(await page.locator(`[data-testid=history] tr[data-trade-id="${tradeId}"]`).count(), 0);
  await shot(page, "10b-after-reset");

  // ---- partial close from the positions table ------------------------------------------------------
  step = "partial close";
  const traderToken = await tokenFor(base, "trader", PASSWORDS.trader);
  const [, accountsBefore] = await rest(base, traderToken, "GET", "accounts/");
  const accountA = accountsBefore.results.find((a) => a.is_default).id;
  await page.getByTestId("tab-open").click();
  await push([eur(1.102)]); // bid 1.10200, ask 1.10210
  await expectText(page.getByTestId("quote-strip"), "1.10210", "ask before the partial-close trade");
  await page.getByTestId("ticket-lots").fill("0.10");
  await page.getByTestId("ticket-sl").fill("1.09700"); // accounts refuse orders without a stop by default
  await page.getByTestId("ticket-submit").click();
  const partialRow = page.locator("tr[data-testid^=position-]").filter({ hasText: "EURUSD" }).first();
  await partialRow.waitFor();
  const partialId = Number(await partialRow.getAttribute("data-trade-id"));
  assert.notEqual(partialId, tradeId);
  await expectMarkers(page, [[`e${partialId}`, true], [`e${tradeId}`, false]], "markers of the new period only");
  await expectText(partialRow, "1.10210", "entry at the ask");
  await push([eur(1.103)]); // bid 1.10300: (1.10300 − 1.10210) × 0.10 × 100,000 = +9.00
  await expectText(partialRow.getByTestId("position-pnl"), "+9.00", "live P&L before the partial close");
  await partialRow.getByRole("button", { name: "Modify" }).click();
  await page.getByLabel("Close lots").fill("0.04");
  await page.getByRole("button", { name: "Partial close" }).click();
  // 0.04 closed at the bid 1.10300: 0.00090 × 0.04 × 100,000 = +3.60 (+9.0 pips); 0.06 stay open,
  // worth 0.00090 × 0.06 × 100,000 = +5.40.
  await expectText(partialRow.getByTestId("position-lots"), "0.06 / 0.10", "lots after the partial close");
  await expectText(partialRow.getByTestId("position-pnl"), "+5.40", "live P&L of the rest");
  const fills = page.getByTestId(`fills-${partialId}`);
  await expectText(fills.getByTestId("exit-fill"), "1.10300", "partial close fill price");
  await expectText(fills.getByTestId("fill-pnl"), "+3.60", "partial close fill P&L");
  await expectText(fills.getByTestId("exit-fill"), "+9.0", "partial close fill pips");
  assert.equal(await fills.getByTestId("exit-fill").count(), 1);
  await expectText(page.getByTestId("account-balance"), "10,003.60", "balance after the partial close");
  const [, partial] = await rest(base, traderToken, "GET", `trades/${partialId}/`);
  const exits = partial.fills.filter((f) => f.kind !== "entry");
  assert.equal(partial.status, "open");
  assert.equal(Number(partial.lot_size), 0.06);
  assert.equal(Number(partial.original_lot_size), 0.1);
  assert.equal(partial.profit_loss, "3.60");
  assert.deepEqual(
    exits.map((f) => [Number(f.lot_size), f.price, f.pnl]),
    [[0.04, "1.10300", "3.60"]],
    "one exit fill of 0.04 at 1.10300 with +3.60",
  );
  await shot(page, "11-partial-close");

  // ---- a second account, made through the API, switched to in the UI ---------------------------------
  step = "account switch";
  const [created, second] = await rest(base, traderToken, "POST", "accounts/", {
    name: "Second",
    initial_balance: "5000.00",
  });
  assert.equal(created, 201, `account create: ${JSON.stringify(second)}`);
  const accountB = second.id;
  const switcher = page.getByTestId("account-switcher");
  await switcher.focus(); // opening the list refetches it: the new account appears
  await switcher.selectOption(String(accountB));
  await expectText(page.getByTestId("account-balance"), "5,000.00", "balance of the second account");
  await page.getByTestId("open-positions").getByText("No open positions.").waitFor();
  await expectText(page.getByTestId("tab-open"), "0", "open count on the second account");
  // A market buy of 0.05 on it fills at the ask 1.10310; at the bid 1.10300 it is worth
  // −0.00010 × 0.05 × 100,000 = −0.50, so equity 4,999.50.
  await page.getByTestId("ticket-lots").fill("0.05");
  await page.getByTestId("ticket-sl").fill("1.09700");
  await page.getByTestId("ticket-submit").click();
  const rowB = page.locator("tr[data-testid^=position-]").filter({ hasText: "EURUSD" }).first();
  await rowB.waitFor();
  const tradeB = Number(await rowB.getAttribute("data-trade-id"));
  assert.notEqual(tradeB, partialId);
  await expectText(rowB.getByTestId("position-pnl"), "−0.50", "live P&L on the second account");
  await expectText(page.getByTestId("account-equity"), "4,999.50", "equity of the second account");
  const [, placed] = await rest(base, traderToken, "GET", `trades/${tradeB}/`);
  assert.equal(placed.account, accountB, "the order landed on the second account");
  assert.equal(placed.entry_price, "1.10310");
  const [, openA] = await rest(base, traderToken, "GET", `trades/open_positions/?account=${accountA}`);
  const [, openB] = await rest(base, traderToken, "GET", `trades/open_positions/?account=${accountB}`);
  assert.deepEqual(openA.results.map((t) => t.id), [partialId], "first account keeps only its own position");
  assert.deepEqual(openB.results.map((t) => t.id), [tradeB], "second account holds only the new order");
  await shot(page, "12-account-switch");
  // Back on the first account: its balance and its 0.06 lots, not the second account's trade.
  await switcher.selectOption(String(accountA));
  await expectText(page.getByTestId("account-balance"), "10,003.60", "balance back on the first account");
  await page.locator(`tr[data-trade-id="${partialId}"]`).waitFor();
  assert.equal(await page.locator(`tr[data-trade-id="${tradeB}"]`).count(), 0, "the second account's trade is not listed");

  // ---- the rest closes; history shows the whole trade -------------------------------------------------
  step = "close the rest";
  await push([eur(1.1025)]); // the last 0.06 at the bid 1.10250: 0.00040 × 0.06 × 100,000 = +2.40
  await page.getByTestId(`close-${partialId}`).click();
  await page.getByTestId("open-positions").getByText("No open positions.").waitFor();
  await page.getByTestId("tab-history").click();
  const partialHistory = page.locator(`[data-testid=history] tr[data-trade-id="${partialId}"]`);
  // Realized in all: +3.60 + 2.40 = +6.00; the balance 10,006.00.
  await expectText(partialHistory.getByTestId("history-pnl"), "+6.00", "realized P&L of both closes");
  await expectText(partialHistory.getByTestId("exit-reason"), "Closed", "exit reason");
  await expectText(page.getByTestId("account-balance"), "10,006.00", "balance after both closes");
  const [, closed] = await rest(base, traderToken, "GET", `trades/${partialId}/`);
  assert.deepEqual(
    closed.fills.filter((f) => f.kind !== "entry").map((f) => [Number(f.lot_size), f.price, f.pnl]),
    [
      [0.04, "1.10300", "3.60"],
      [0.06, "1.10250", "2.40"],
    ],
  );
  await page.getByTestId("tab-open").click();

  // ---- a webhook alert appears live; one click executes it (docs/signals.md) -----------------------
  // ---- reverse a position, then close all, each behind a confirmation ------------------------------
  step = "reverse and close all";
  const [s1, t1] = await rest(base, traderToken, "POST", "trades/execute/", { pair: "EURUSD", order_type: "buy", lot_size: "0.10", stop_loss: "1.09500", account: accountA });
  const [s2, t2] = await rest(base, traderToken, "POST", "trades/execute/", { pair: "EURUSD", order_type: "sell", lot_size: "0.20", stop_loss: "1.10800", account: accountA });
  assert.equal(s1, 201, JSON.stringify(t1));
  assert.equal(s2, 201, JSON.stringify(t2));
  await page.getByTestId("tab-open").click();
  await page.locator(`tr[data-trade-id="${t1.id}"]`).waitFor();
  await page.getByTestId(`reverse-${t1.id}`).click();
  await page.getByTestId("reverse-dialog").waitFor();
  await shot(page, "12g-reverse-confirm");
  await page.getByTestId("reverse-dialog-confirm").click();
  await page.locator(`tr[data-trade-id="${t1.id}"]`).waitFor({ state: "detached" });
  // The reversed trade: a sell of the same 0.10 lots, the buy's stop distance mirrored.
  const sells = page.locator("[data-testid=open-positions] tr[data-trade-id]").filter({ hasText: "SELL" });
  await sells.filter({ hasText: "0.10" }).first().waitFor();
  await expectText(page.getByTestId("close-all"), "Close all (2)", "two positions open");
  await page.getByTestId("close-all").click();
  await page.getByTestId("close-all-dialog-confirm").click();
  await page.getByTestId("open-positions").getByText("No open positions.").waitFor();
  await shot(page, "12h-closed-all");

  step = "webhook signal";
  // Toasts left from earlier steps are closed, as a trader would before reaching under them.
  for (const close of await page.locator("[data-testid=toast] button").all()) await close.click().catch(() => {});
  const [hookStatus, hook] = await rest(base, traderToken, "POST", "hooks/", { name: "e2e TradingView", account: accountA, source: "tv-e2e" });
  assert.equal(hookStatus, 201, `hook create: ${JSON.stringify(hook)}`);
  assert.ok(hook.token && hook.url.includes(hook.token), "the token and its url are shown on create");
  await push([{ symbol: "BTCUSD", bid: "60000.00", ask: "60010.00" }]);
  // No session, no cookie: the token in the path is the credential.
  const alertResponse = await fetch(hook.url, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ ticker: "BINANCE:BTCUSDT", action: "buy", sl: "59010", tp: "61010" }),
  });
  const alerted = await alertResponse.json();
  assert.equal(alertResponse.status, 201, `webhook alert: ${JSON.stringify(alerted)}`);
  // Automatic execution is off by default: the signal waits for a click.
  assert.equal(alerted.status, "alerted", `signal status: ${JSON.stringify(alerted)}`);
  assert.equal(alerted.symbol, "BTCUSD");
  const card = page.locator(`[data-testid=signal-card][data-signal-id="${alerted.id}"]`);
  await card.waitFor(); // no reload: the signal_alert event put it there
  await expectText(card.getByTestId("signal-status"), "alerted", "signal card status");
  await expectText(card.getByTestId("signal-side"), "BUY", "signal side");
  // From the ask 60010.00: TP 61010 is 1000 away, SL 59010 is 1000 away → 1 : 1.00.
  await expectText(card.getByTestId("signal-rr"), "1 : 1.00", "signal R:R");
  // 1 % of 10,006.00 = 100.06 over 1000 pips of 1.00 per lot → 0.10 lots (rounded down to the step).
  await expectText(card.getByTestId("signal-lots"), "0.10 lots", "suggested lots");
  await expectText(card.getByTestId("signal-sizing"), "0.10 lots", "sizing arithmetic");
  const countdownBefore = await card.getByTestId("signal-countdown").innerText();
  assert.match(countdownBefore, /^\d+:\d\d$/, `countdown ${countdownBefore}`);
  await page.waitForFunction(
    ([id, before]) =>
      document.querySelector(`[data-signal-id="${id}"] [data-testid=signal-countdown]`)?.textContent !== before,
    [alerted.id, countdownBefore],
    { timeout: 5_000 },
  );
  await shot(page, "12b-signal-alerted");
  await card.getByTestId("signal-execute").click();
  await expectText(card.getByTestId("signal-status"), "executed", "signal executed");
  const [, executedSignal] = await rest(base, traderToken, "GET", `signals/${alerted.id}/`);
  assert.equal(executedSignal.status, "executed");
  const signalTradeId = executedSignal.trade;
  assert.ok(signalTradeId > 0, "the executed signal names its trade");
  const btcRow = page.locator(`tr[data-trade-id="${signalTradeId}"]`);
  await btcRow.waitFor();
  await expectText(btcRow, "BTCUSD", "the signal's position in the positions panel");
  await expectText(btcRow, "60010.00", "filled at the ask");
  // Its SL and TP lines on the chart once the chart shows BTCUSD.
  await page.locator("#symbol-picker").selectOption("BTCUSD");
  // BTCUSD has no stored bars here (its only price came a moment ago): the history loads empty.
  await page.waitForFunction(() => document.querySelector("[data-testid=history-state]")?.dataset.state !== "loading");
  await page.getByTestId(`handle-${signalTradeId}-stop_loss`).waitFor();
  await page.getByTestId(`handle-${signalTradeId}-take_profit_1`).waitFor();
  // The entry marker, and the journal's marker of the moment it was alerted (docs/signals.md).
  await expectMarkers(
    page,
    [[`e${signalTradeId}`, true], [`j${alerted.decision.id}`, true]],
    "the signal trade's entry marker and its journal marker",
  );
  await shot(page, "12c-signal-executed");
  // Leave the account flat for what follows.
  await page.getByTestId(`close-${signalTradeId}`).click();
  await page.getByTestId("open-positions").getByText("No open positions.").waitFor();
  await page.locator("#symbol-picker").selectOption("EURUSD");
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=price-chart]")?.dataset.candles) > 0);
  // The scorecard counts it for its source; the webhooks page lists the token and its call.
  await page.getByTestId("view-performance").click();
  const scoreRow = page.locator('[data-testid=scorecard-row][data-key="tv-e2e"]');
  await scoreRow.waitFor();
  assert.deepEqual(
    (await scoreRow.locator("td").allInnerTexts()).slice(0, 4),
    ["tv-e2e", "1", "1", "0"],
    "scorecard: received, executed, rejected",
  );
  // The journal holds the alert's decision and the click's, both for the signal.
  await page.locator(`[data-testid=journal-row][data-outcome=executed]`).filter({ hasText: "tv-e2e" }).first().waitFor();
  await page.locator(`[data-testid=journal-row][data-outcome=alerted]`).filter({ hasText: "tv-e2e" }).first().waitFor();
  await shot(page, "12d-scorecards");
  await page.getByTestId("view-webhooks").click();
  const hookRow = page.locator(`[data-testid=hook-row][data-hook-id="${hook.id}"]`);
  await expectText(hookRow, "e2e TradingView", "the token in the webhooks list");
  await hookRow.click();
  await expectText(page.getByTestId("hook-attempt"), "201", "the accepted call in the attempt log");
  await expectText(page.getByTestId("hook-message"), '"source": "tv-e2e"', "the TradingView message");
  await shot(page, "12e-webhooks");
  await axeCheck(page, "12e-webhooks");
  // Switch off, rotate and delete from the page: each takes effect on the URL at once.
  const postTo = (url, body) =>
    fetch(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }).then((r) => r.status);
  await page.getByTestId("hook-toggle").click();
  await expectText(hookRow.locator("td").nth(4), "off", "the switched-off token");
  assert.equal(await postTo(hook.url, {}), 403, "a switched-off token is refused");
  await page.getByTestId("hook-toggle").click();
  await expectText(hookRow.locator("td").nth(4), "yes", "the token switched on again");
  await page.getByTestId("hook-rotate").click();
  await shot(page, "12f-webhook-rotate-confirm");
  await page.getByTestId("hook-rotate-dialog-confirm").click();
  const rotatedUrl = await page.getByTestId("hook-url").innerText();
  assert.notEqual(rotatedUrl, hook.url, "rotating shows a new url");
  // The old token is refused; the new one is accepted as a credential (an empty body is then a 400).
  assert.equal(await postTo(hook.url, {}), 403, "the rotated-out token is refused");
  assert.equal(await postTo(rotatedUrl, {}), 400, "the new token is the credential now");
  await page.getByTestId("hook-delete").click();
  await page.getByTestId("hook-delete-dialog-confirm").click();
  await hookRow.waitFor({ state: "detached" });
  assert.equal(await postTo(rotatedUrl, {}), 403, "a deleted token is refused");
  await page.getByTestId("view-trade").click();
  await page.waitForFunction(() => Number(document.querySelector("[data-testid=price-chart]")?.dataset.candles) > 0);

  // ---- phone ------------------------------------------------------------------------------------
  // ---- a symbol without a price; an outage: greyed, paused, recovered -----------------------------
  step = "no price";
  const ctxOff = await newContext(browser, desktop);
  const off = await ctxOff.newPage();
  openPages.push(off);
  let cut = false;
  let refused = 0;
  const routed = [];
  // The page's WebSocket goes through Playwright so the test can drop it and refuse reconnects.
  await off.routeWebSocket(/\/ws\/trading\//, (ws) => {
    if (cut) {
      refused += 1;
      return void ws.close();
    }
    ws.connectToServer();
    routed.push(ws);
  });
  await off.route("**/api/paper-trading/**", (route) => (cut ? route.abort("internetdisconnected") : route.fallback()));
  await signIn(off, base, "trader", PASSWORDS.trader);
  await off.locator("#symbol-picker").selectOption("AUDUSD"); // never priced in this run
  await off.waitForFunction(() => document.querySelector("[data-testid=quote-strip]")?.dataset.state === "none");
  await expectText(off.getByTestId("ticket-blocked"), "No price for AUDUSD", "the ticket says why it cannot send");
  assert.equal(await off.getByTestId("ticket-submit").isDisabled(), true, "no price: the ticket cannot send");
  await shot(off, "13a-no-price");
  await off.locator("#symbol-picker").selectOption("EURUSD");
  await off.waitForFunction(() => Number(document.querySelector("[data-testid=price-chart]")?.dataset.candles) > 0);
  // A priced symbol's ticket names no price problem (the account's stop-loss rule may still speak).
  await off.waitForFunction(() => !document.querySelector("[data-testid=ticket-blocked]")?.textContent?.includes("No price"));

  step = "offline";
  cut = true;
  for (const ws of routed) ws.close();
  await off.getByTestId("offline-banner").waitFor();
  await expectText(off.getByTestId("ticket-blocked"), "Offline", "sending paused with the reason");
  assert.equal(await off.getByTestId("ticket-submit").isDisabled(), true, "offline: the ticket cannot send");
  assert.equal(await off.locator(".app").getAttribute("class"), "app offline", "live figures greyed");
  // A timeframe chosen during the outage shows no candles of another: an empty chart and a plain error.
  await off.getByRole("radio", { name: "5m", exact: true }).click();
  await off.waitForFunction(() => document.querySelector("[data-testid=price-chart]")?.dataset.candles === "0");
  await expectText(off.locator(".chart-panel .error-banner"), "cannot be reached", "the outage in words");
  const words = await off.evaluate(() => document.body.innerText);
  assert.ok(!/Failed to fetch|TypeError/.test(words), "no browser exception text on the page");
  await shot(off, "13b-offline");
  // Reconnect now tries at once, not after the backoff (still cut: refused again).
  const before = refused;
  await off.getByTestId("reconnect-now").click();
  for (let i = 0; i < 20 && refused === before; i++) await off.waitForTimeout(50);
  assert.ok(refused > before, "Reconnect now made an attempt at once");
  cut = false;
  await off.getByTestId("reconnect-now").click({ timeout: 3000 }).catch(() => {}); // may have reconnected by itself
  await off.getByTestId("offline-banner").waitFor({ state: "detached" });
  // After the reconnect every snapshot is refetched: the failed history loads, its error goes.
  await off.waitForFunction(() => Number(document.querySelector("[data-testid=price-chart]")?.dataset.candles) > 0);
  await off.locator(".chart-panel .error-banner").waitFor({ state: "detached" });
  assert.equal(await off.getByRole("radio", { name: "5m", exact: true }).getAttribute("aria-checked"), "true");
  await shot(off, "13c-reconnected");
  await ctxOff.close();

  step = "phone";
  const ctxPhone = await newContext(browser, {
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
  });
  const phone = await ctxPhone.newPage();
  await signIn(phone, base, "trader", PASSWORDS.trader);
  // Preview lines of all four levels: their legend must wrap, not widen the page.
  await phone.getByRole("radio", { name: "Pips" }).click();
  await phone.getByTestId("ticket-sl").fill("20");
  for (const [i, pips] of [[1, "30"], [2, "45"], [3, "60"]]) await phone.getByTestId(`ticket-tp${i}`).fill(pips);
  await phone.waitForFunction(
    () => document.querySelector("[data-testid=price-chart]")?.dataset.previewLines?.split(" ").length === 4,
  );
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px at 390 px`);
  await phone.evaluate(() => window.scrollTo(0, 0));
  await shot(phone, "13-phone");
  await axeCheck(phone, "13-phone");
  await phone.getByTestId("ticket-submit").scrollIntoViewIfNeeded();
  await shot(phone, "14-phone-ticket");

  // ---- the Swagger UI and the admin under the CSP ---------------------------------------------------
  step = "api docs and admin";
  const ctxDocs = await newContext(browser, desktop);
  const docs = await ctxDocs.newPage();
  openPages.push(docs);
  await docs.goto(`${base}/api/docs/`);
  await docs.locator(".opblock").first().waitFor();
  assert.ok((await docs.locator(".opblock").count()) >= 10, "Swagger UI lists the operations");
  await docs.locator(".opblock-summary", { hasText: "/api/auth/token/" }).first().click();
  await docs.getByRole("button", { name: "Try it out" }).first().waitFor();
  await shot(docs, "16-api-docs");
  await docs.goto(`${base}/admin/login/`);
  await docs.getByLabel("Username:").fill("e2e_admin");
  await docs.getByLabel("Password:").fill(PASSWORDS.admin);
  await docs.getByRole("button", { name: "Log in" }).click();
  await docs.getByRole("heading", { name: "Site administration" }).waitFor();
  await docs.goto(`${base}/admin/paper_trading/papertrade/`);
  await docs.locator("#result_list").waitFor();
  await shot(docs, "17-admin");
  assert.deepEqual(cspViolations, [], "Content-Security-Policy violations");
  assert.deepEqual(axeFindings, [], "axe-core: serious or critical accessibility findings");

  // ---- figures: first paint, long tasks with 5,000 candles at 20 ticks/s ----------------------------
  step = "figures";
  const perfCtx = await newContext(browser, desktop);
  await perfCtx.addInitScript(() => {
    window.__wsTypes = {};
    const NativeWebSocket = window.WebSocket;
    window.WebSocket = class extends NativeWebSocket {
      constructor(...args) {
        super(...args);
        this.addEventListener("message", (event) => {
          const type = JSON.parse(event.data).type;
          window.__wsTypes[type] = (window.__wsTypes[type] ?? 0) + 1;
        });
      }
    };
    window.__longtasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.__longtasks.push({ start: entry.startTime, duration: entry.duration });
    }).observe({ type: "longtask", buffered: true });
  });
  const perfPage = await perfCtx.newPage();
  await signIn(perfPage, base, "trader", PASSWORDS.trader);
  await perfPage.goto(`${base}/?bars=5000`);
  await perfPage.waitForFunction(
    () => Number(document.querySelector("[data-testid=price-chart]")?.dataset.candles) >= 5000,
  );
  await perfPage.waitForFunction(() => performance.getEntriesByName("dashboard-ready").length > 0);
  const paint = await perfPage.evaluate(() => ({
    fcp: performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? null,
    chartReady: performance.getEntriesByName("chart-ready")[0]?.startTime ?? null,
    dashboardReady: performance.getEntriesByName("dashboard-ready")[0]?.startTime ?? null,
  }));
  const loadTasks = await perfPage.evaluate(() => window.__longtasks.slice());
  await perfPage.evaluate(() => {
    window.__longtasks = [];
  });
  // Open a position so every tick also moves a P&L row and the account bar.
  await perfPage.getByTestId("ticket-lots").fill("0.10");
  await perfPage.getByTestId("ticket-sl").fill("1.09000");
  await perfPage.getByTestId("ticket-submit").click();
  await perfPage.locator("[data-testid^=position-]").filter({ hasText: "EURUSD" }).first().waitFor();
  await perfPage.evaluate(() => {
    window.__longtasks = [];
    window.__wsTypes = {};
  });
  const profiler = process.env.E2E_PROFILE === "1" ? await perfCtx.newCDPSession(perfPage) : null;
  if (profiler) {
    await profiler.send("Profiler.enable");
    await profiler.send("Profiler.start");
  }
  const cdp = await perfCtx.newCDPSession(perfPage);
  await cdp.send("Performance.enable");
  const metric = async () => Object.fromEntries((await cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
  const metricsBefore = await metric();
  const loadBefore = os.loadavg()[0];
  const tickCount = 200;
  const started = Date.now();
  let bid = newTp;
  for (let i = 0; i < tickCount; i += 1) {
    bid += (Math.sin(i / 7) + (i % 3) - 1) * 0.00003;
    const due = started + i * 50;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    await push([eur(bid)]);
  }
  const seconds = (Date.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 500));
  const metricsAfter = await metric();
  const busy = (name) => Math.round(((metricsAfter[name] - metricsBefore[name]) / seconds) * 1000);
  const tickTasks = await perfPage.evaluate(() => window.__longtasks.slice());
  const wsTypes = await perfPage.evaluate(() => window.__wsTypes);
  const origin = await perfPage.evaluate(() => performance.timeOrigin);
  if (profiler) {
    const { profile } = await profiler.send("Profiler.stop");
    fs.writeFileSync(path.join(ARTIFACTS, "ticks.cpuprofile"), JSON.stringify(profile));
  }
  const longest = (tasks) => tasks.reduce((m, t) => Math.max(m, t.duration), 0);
  figures.first_paint = {
    first_contentful_paint_ms: paint.fcp === null ? null : Math.round(paint.fcp),
    chart_with_5000_candles_ms: paint.chartReady === null ? null : Math.round(paint.chartReady),
    dashboard_ready_ms: paint.dashboardReady === null ? null : Math.round(paint.dashboardReady),
  };
  figures.long_tasks = {
    candles: 5000,
    ticks_pushed: tickCount,
    ticks_per_second: Math.round((tickCount / seconds) * 10) / 10,
    during_load: { count: loadTasks.length, longest_ms: Math.round(longest(loadTasks)) },
    during_ticks: { count: tickTasks.length, longest_ms: Math.round(longest(tickTasks)) },
    tasks_ms: tickTasks.map((t) => Math.round(t.duration)),
    // Main-thread time per second of ticking (CDP Performance metrics), all tasks and script.
    main_thread_ms_per_s: { tasks: busy("TaskDuration"), script: busy("ScriptDuration") },
    // The machine is shared: a busy CPU stretches every task. Reported next to the figures.
    load_average_1m: { before: Math.round(loadBefore * 100) / 100, after: Math.round(os.loadavg()[0] * 100) / 100 },
    cpus: os.cpus().length,
    tasks_at_second_of_minute: tickTasks.map((t) => Math.round(((origin + t.start) / 1000) % 60)),
    websocket_messages_during_ticks: wsTypes,
  };
  await shot(perfPage, "15-5000-candles");

  assert.deepEqual(consoleErrors, [], "uncaught errors in the page");
  assert.deepEqual(cspViolations, [], "Content-Security-Policy violations");
  fs.writeFileSync(path.join(ARTIFACTS, "figures.json"), JSON.stringify(figures, null, 2));
  log(`figures: ${JSON.stringify(figures)}`);
}

async function cleanup() {
  for (const fn of cleanups) {
    try {
      await fn();
    } catch (error) {
      log(`cleanup: ${error}`);
    }
  }
}

main()
  .then(async () => {
    await cleanup();
    log("passed");
  })
  .catch(async (error) => {
    log(`FAILED at step "${step}": ${error?.stack ?? error}`);
    for (const [i, p] of openPages.entries()) {
      await p.screenshot({ path: path.join(ARTIFACTS, `failure-${i}.png`) }).catch(() => {});
    }
    await cleanup();
    process.exit(1);
  });

import { describe, expect, it } from "vitest";
import type { Account } from "./types";
import { liveAccount } from "./live-account";

const account = (patch: Partial<Account> = {}) =>
  ({
    id: 1,
    balance: "10000.00",
    unrealized_pnl: "5.00",
    margin_used: "110.01",
    margin_call: false,
    ...patch,
  }) as Account;

describe("liveAccount (docs/domain.md, Margin)", () => {
  it("equity = balance + live unrealized; free margin and margin level follow", () => {
    const live = liveAccount(account(), 10);
    expect(live.equity).toBe(10010);
    expect(live.freeMargin).toBeCloseTo(9899.99, 9);
    expect(live.marginLevel).toBeCloseTo((10010 / 110.01) * 100, 9);
    expect(live.marginCall).toBe(false);
  });
  it("falls back to the server's unrealized P&L when a live figure is missing", () => {
    expect(liveAccount(account(), null).equity).toBe(10005);
  });
  it("has no margin level without margin used", () => {
    expect(liveAccount(account({ margin_used: "0.00" }), 0).marginLevel).toBeNull();
  });
  it("warns of a margin call at a margin level of 100 % or less, or when the server says so", () => {
    // balance 1,000, unrealized −500 → equity 500 over margin 500 = 100 %
    expect(liveAccount(account({ balance: "1000.00", margin_used: "500.00" }), -500).marginCall).toBe(true);
    expect(liveAccount(account({ balance: "1000.00", margin_used: "500.00" }), -499).marginCall).toBe(false);
    expect(liveAccount(account({ margin_call: true }), 0).marginCall).toBe(true);
  });
});

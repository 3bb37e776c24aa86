import assert from "node:assert/strict";
import { FundingInputError, fundingPayment, SettlementCursor } from "./funding.ts";

Deno.test("funding: longs pay positive rates, shorts receive them, and vice versa", () => {
  assert.equal(fundingPayment(1, 2, 100, 0.001), 0.2);
  assert.equal(fundingPayment(-1, 2, 100, 0.001), -0.2);
  assert.equal(fundingPayment(1, 2, 100, -0.001), -0.2);
  assert.equal(fundingPayment(-1, 2, 100, -0.001), 0.2);
});

Deno.test("funding: the cursor hands out each settlement once, in order", () => {
  const c = new SettlementCursor([{ time: 10, rate: 0.1 }, { time: 20, rate: -0.2 }]);
  assert.equal(c.length, 2);
  assert.equal(c.nextTime, 10);
  assert.equal(c.take(), 0.1);
  assert.equal(c.nextTime, 20);
  assert.equal(c.take(), -0.2);
  assert.equal(c.nextTime, Infinity);
  assert.ok(Number.isNaN(c.take()));
});

Deno.test("funding: bad rows are refused with the row named", () => {
  const bad = [
    [{ time: 10, rate: 0 }, { time: 10, rate: 0 }],
    [{ time: 20, rate: 0 }, { time: 10, rate: 0 }],
    [{ time: -1, rate: 0 }],
    [{ time: 1.5, rate: 0 }],
    [{ time: 1, rate: Number.NaN }],
    [{ time: 1, rate: 2 }],
    [null],
  ];
  for (const rows of bad) {
    assert.throws(
      () => new SettlementCursor(rows as { time: number; rate: number }[]),
      (e) => e instanceof FundingInputError && /funding row \d/.test(e.message),
    );
  }
});

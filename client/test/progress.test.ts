import assert from "node:assert/strict";
import { test } from "node:test";
import { ProgressTracker } from "../src/lib/progress";

test("absolute percentages become increments; title and message are joined", () => {
  const t = new ProgressTracker();
  assert.deepEqual(t.step({ kind: "begin", title: "Loading model", percentage: 0 }), { message: "Loading model" });
  assert.deepEqual(t.step({ kind: "report", message: "batch 1/4", percentage: 25 }), { message: "batch 1/4", increment: 25 });
  assert.deepEqual(t.step({ kind: "report", percentage: 75 }), { increment: 50 });
  assert.equal(t.step({ kind: "report", percentage: 60 }), undefined);
  assert.deepEqual(t.step({ kind: "report", percentage: 150 }), { increment: 25 });
  assert.equal(t.step({ kind: "end" }), undefined);
  assert.deepEqual(t.step({ kind: "end", message: "done" }), { message: "done" });
});

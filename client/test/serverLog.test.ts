import assert from "node:assert/strict";
import { test } from "node:test";
import { ServerLogParser } from "../src/lib/serverLog";

test("Python log records: their level, without the record's own timestamp and level", () => {
  const p = new ServerLogParser();
  assert.deepEqual(p.line("2025-01-02 10:11:12,345 INFO tokls: settings: model=gpt2"), { level: "info", text: "settings: model=gpt2" });
  assert.deepEqual(p.line("2025-01-02 10:11:12,345 ERROR tokls: analysis of x failed"), { level: "error", text: "analysis of x failed" });
  // a traceback's lines belong to the record above them
  assert.deepEqual(p.line("Traceback (most recent call last):"), { level: "error", text: "Traceback (most recent call last):" });
  assert.deepEqual(p.line("2025-01-02 10:11:13,001 WARNING pygls.server: slow"), { level: "warn", text: "pygls.server: slow" });
  assert.equal(p.line("   "), undefined);
});

test("pygls' cancel-after-answer race is debug, not a warning", () => {
  const p = new ServerLogParser();
  const got = p.line('2025-01-02 10:11:12,345 WARNING pygls.protocol.json_rpc: Cancel notification for unknown message id "7"');
  assert.deepEqual(got, { level: "debug", text: 'pygls.protocol.json_rpc: Cancel notification for unknown message id "7"' });
});

test("stderr that is not a log record (before logging starts) reads as an error", () => {
  assert.deepEqual(new ServerLogParser().line("/usr/bin/python3: No module named tokls"), { level: "error", text: "/usr/bin/python3: No module named tokls" });
});

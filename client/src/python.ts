/**
 * The Python interpreter that runs the server: the `tokls.interpreter` setting, else the one
 * selected in the Python extension (ms-python.python) when it is installed, else `python3`.
 */
import { execFile } from "node:child_process";
import * as os from "node:os";
import * as vscode from "vscode";
import { CHECK_SCRIPT, CheckOutcome, Interpreter, chooseInterpreter, expandPath, parseCheck } from "./lib/interpreter";
import { readInterpreterSetting } from "./settings";

/** The part of the Python extension's API we use (its `environments` API). */
interface PythonApi {
  environments: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string };
    resolveEnvironment(env: { path: string } | string): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
  };
}

const PYTHON_EXTENSION = "ms-python.python";

async function pythonApi(): Promise<PythonApi | undefined> {
  const ext = vscode.extensions.getExtension<PythonApi>(PYTHON_EXTENSION);
  if (!ext) return undefined;
  try {
    const api = ext.isActive ? ext.exports : await ext.activate();
    return api?.environments ? api : undefined;
  } catch {
    return undefined;
  }
}

export function pythonExtensionInstalled(): boolean {
  return vscode.extensions.getExtension(PYTHON_EXTENSION) !== undefined;
}

async function activeFromPythonExtension(): Promise<string | undefined> {
  const api = await pythonApi();
  if (!api) return undefined;
  try {
    const resource = vscode.workspace.workspaceFolders?.[0]?.uri;
    const env = await api.environments.resolveEnvironment(api.environments.getActiveEnvironmentPath(resource));
    return env?.executable.uri?.fsPath;
  } catch {
    return undefined;
  }
}

export async function resolveInterpreter(): Promise<Interpreter> {
  const configured = expandPath(readInterpreterSetting(), {
    home: os.homedir(),
    workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    env: process.env,
  });
  const fromExtension = configured ? undefined : await activeFromPythonExtension();
  return chooseInterpreter(configured, fromExtension, process.platform);
}

/** Can this interpreter run `python -m tokls serve`? Finds the modules without importing them. */
export function checkInterpreter(command: string, expectedTokls?: string, timeoutMs = 30_000): Promise<CheckOutcome> {
  return new Promise((resolve) => {
    execFile(command, ["-c", CHECK_SCRIPT], { timeout: timeoutMs, windowsHide: true }, (error, stdout, stderr) => {
      const err = error as (NodeJS.ErrnoException & { code?: string | number }) | null;
      resolve(parseCheck(String(stdout), err ? { code: err.code, message: String(stderr) || err.message } : undefined, expectedTokls));
    });
  });
}

/** Fires when the Python extension's active interpreter changes (only matters when the setting is empty). */
export async function onActiveInterpreterChanged(listener: () => void): Promise<vscode.Disposable> {
  const api = await pythonApi();
  if (!api) return new vscode.Disposable(() => undefined);
  return api.environments.onDidChangeActiveEnvironmentPath(() => {
    if (readInterpreterSetting().trim() === "") listener();
  });
}

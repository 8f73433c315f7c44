/** Reading `tokls.*` settings, and reacting to their changes (restart vs. didChangeConfiguration). */
import * as vscode from "vscode";
import { CLIENT_DEFAULTS, ServerSettings, changeAction, serverSettings } from "./lib/settings";

export function config(scope?: vscode.ConfigurationScope): vscode.WorkspaceConfiguration {
  return vscode.workspace.getConfiguration("tokls", scope);
}

/** The server's settings tree (docs/protocol.md) for a resource, or the window. */
export function readServerSettings(scope?: vscode.ConfigurationScope): ServerSettings {
  const cfg = config(scope);
  return serverSettings((key) => cfg.get(key));
}

export function readInterpreterSetting(): string {
  return config().get<string>("interpreter", CLIENT_DEFAULTS.interpreter as string) ?? "";
}

export function readLanguages(): string[] {
  const value = config().get<unknown>("languages");
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : (CLIENT_DEFAULTS.languages as string[]);
}

export function statusBarEnabled(): boolean {
  return config().get<boolean>("statusBar.enabled", true);
}

export interface SettingsHandlers {
  /** A setting changed that needs a new server process. Called once per burst of changes. */
  restart(): void;
  /** Server settings changed: push them with didChangeConfiguration. */
  notify(): void;
}

/** Watch configuration changes; several changes within `delayMs` restart the server once. */
export function watchSettings(handlers: SettingsHandlers, delayMs = 300): vscode.Disposable {
  let pending: "restart" | "notify" | undefined;
  let timer: NodeJS.Timeout | undefined;
  const sub = vscode.workspace.onDidChangeConfiguration((e) => {
    const action = changeAction((key) => e.affectsConfiguration(`tokls.${key}`));
    if (action === "none") return;
    pending = pending === "restart" || action === "restart" ? "restart" : "notify";
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      const what = pending;
      pending = undefined;
      timer = undefined;
      if (what === "restart") handlers.restart();
      else if (what === "notify") handlers.notify();
    }, delayMs);
  });
  return new vscode.Disposable(() => {
    if (timer) clearTimeout(timer);
    sub.dispose();
  });
}

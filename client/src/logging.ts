/** The `tokls` log output channel, shared by the client and the language client (server log, trace). */
import * as vscode from "vscode";

export function createLog(context: vscode.ExtensionContext): vscode.LogOutputChannel {
  const channel = vscode.window.createOutputChannel("tokls", { log: true });
  context.subscriptions.push(channel);
  return channel;
}

/** Message of any thrown value, for the log and for notifications. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "object" && err !== null && "message" in err) return String((err as { message: unknown }).message);
  return String(err);
}

/** Entry point: activation wires the modules together; deactivation stops the server. */
import * as vscode from "vscode";
import { registerCommands } from "./commands";
import { registerEditorFeatures } from "./editorFeatures";
import { Installer } from "./installer";
import { createLog } from "./logging";
import { onActiveInterpreterChanged } from "./python";
import { ServerManager } from "./server";
import { watchSettings } from "./settings";
import { StatusBar } from "./statusBar";

let server: ServerManager | undefined;

export function activate(context: vscode.ExtensionContext): void {
  const log = createLog(context);
  server = new ServerManager(log, new Installer(context, log));
  const s = server;
  context.subscriptions.push(
    s,
    registerCommands(context, s, log),
    registerEditorFeatures(s),
    new StatusBar(s, log),
    watchSettings({ restart: () => void s.restart("settings changed"), notify: () => void s.pushSettings() }),
  );
  // Neither waits: activation returns at once, the server and the Python extension start behind it.
  void s.start();
  void onActiveInterpreterChanged(() => void s.restart("the Python extension's interpreter changed")).then((d) =>
    context.subscriptions.push(d),
  );
}

export async function deactivate(): Promise<void> {
  await server?.stop();
  server = undefined;
}

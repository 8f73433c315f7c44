/** "tokls: Dataset Report": `tokls.datasetStats` of the active dataset document in a webview panel. */
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import { DatasetStats, renderDatasetReport } from "./lib/datasetReport";
import { errorMessage } from "./logging";
import { ServerManager } from "./server";

let panel: vscode.WebviewPanel | undefined;
let shown: vscode.Uri | undefined;

export async function datasetReport(server: ServerManager, log: vscode.LogOutputChannel): Promise<void> {
  const doc = vscode.window.activeTextEditor?.document;
  if (!doc || !/\.(jsonl|ndjson|csv|tsv)$/i.test(doc.uri.path)) {
    void vscode.window.showInformationMessage("tokls: open a .jsonl, .ndjson, .csv or .tsv file for a dataset report.");
    return;
  }
  // A document outside tokls.languages is not synced to the server: send its text along.
  const selector = server.running?.clientOptions.documentSelector;
  const synced = !!selector && vscode.languages.match(selector as vscode.DocumentSelector, doc) > 0;
  const options = synced ? {} : { text: doc.getText() };
  try {
    const stats = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "tokls: dataset report", cancellable: true },
      (progress, token) => server.command<DatasetStats>("tokls.datasetStats", [doc.uri.toString(), options], { progress, token }),
    );
    show(doc.uri, stats);
  } catch (err) {
    log.error(`Dataset Report failed: ${errorMessage(err)}`);
    void vscode.window.showErrorMessage(`tokls: Dataset Report failed: ${errorMessage(err)}`);
  }
}

function show(uri: vscode.Uri, stats: DatasetStats): void {
  if (!panel) {
    panel = vscode.window.createWebviewPanel("tokls.datasetReport", "tokls: Dataset Report", vscode.ViewColumn.Beside, {
      enableScripts: true,
      localResourceRoots: [],
      enableFindWidget: true,
    });
    panel.onDidDispose(() => (panel = undefined));
    panel.webview.onDidReceiveMessage((msg: { type?: string; line?: number }) => {
      if (msg?.type === "open" && typeof msg.line === "number" && shown) void openAt(shown, msg.line);
    });
  } else {
    panel.reveal(vscode.ViewColumn.Beside, true);
  }
  shown = uri;
  panel.title = `tokls: ${vscode.workspace.asRelativePath(uri)}`;
  panel.webview.html = renderDatasetReport(stats, vscode.workspace.asRelativePath(uri), {
    nonce: randomBytes(16).toString("base64url"),
    cspSource: panel.webview.cspSource,
  });
}

/** Open the document at a 1-based line, the line selected. */
async function openAt(uri: vscode.Uri, line: number): Promise<void> {
  const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
  const doc = visible?.document ?? (await vscode.workspace.openTextDocument(uri));
  const at = Math.min(Math.max(line - 1, 0), doc.lineCount - 1);
  const range = doc.lineAt(at).range;
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One, selection: range });
  editor.revealRange(range, vscode.TextEditorRevealType.InCenter);
}

/** "tokls: Compare Models": the active document (or selection) under several models, as a markdown preview. */
import * as vscode from "vscode";
import { CompareResult, DEFAULT_COMPARE_MODELS, compareMarkdown } from "./lib/compare";
import { errorMessage } from "./logging";
import { ServerManager } from "./server";

export async function compareModels(server: ServerManager, log: vscode.LogOutputChannel): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage("tokls: open a document to compare models.");
    return;
  }
  const models = await vscode.window.showInputBox({
    title: "tokls: Compare Models",
    prompt: "Model names or presets, comma-separated (`tokls models` lists them)",
    value: DEFAULT_COMPARE_MODELS,
  });
  if (!models) return;
  const doc = editor.document;
  const sel = editor.selection;
  const args: unknown[] = [doc.uri.toString(), models];
  if (!sel.isEmpty) {
    args.push({ start: { line: sel.start.line, character: sel.start.character }, end: { line: sel.end.line, character: sel.end.character } });
  }
  try {
    const result = await server.command<CompareResult>("tokls.compare", args);
    const source = `${vscode.workspace.asRelativePath(doc.uri)}${sel.isEmpty ? "" : " (selection)"}`;
    const md = await vscode.workspace.openTextDocument({ language: "markdown", content: compareMarkdown(result, source) });
    await vscode.commands.executeCommand("markdown.showPreview", md.uri);
  } catch (err) {
    log.error(`Compare Models failed: ${errorMessage(err)}`);
    void vscode.window.showErrorMessage(`tokls: Compare Models failed: ${errorMessage(err)}`);
  }
}

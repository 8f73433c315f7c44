/**
 * Classify Selection, Classify Each Line of Selection and Show Tokens of Selection: call the
 * server command, with a cancellable progress notification, then show the result panel and a
 * short notification with the top label.
 */
import * as path from "node:path";
import * as vscode from "vscode";
import {
  ClassifyLinesResult,
  ClassifyResult,
  LspRange,
  TokensResult,
  classifyLinesView,
  classifyView,
  lineSpan,
  tokensView,
} from "./lib/results";
import { errorMessage } from "./logging";
import { ResultPanel } from "./panel";
import { Cancelled, ServerManager } from "./server";
import { config } from "./settings";

interface Target {
  editor: vscode.TextEditor;
  uri: string;
  ranges: LspRange[];
  source: string;
}

function toLsp(r: vscode.Range): LspRange {
  return { start: { line: r.start.line, character: r.start.character }, end: { line: r.end.line, character: r.end.character } };
}

/** The active editor's non-empty selections (none: the whole document). */
function target(): Target | undefined {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage("tokls: open a document and select some text first.");
    return undefined;
  }
  const selections = editor.selections.filter((s) => !s.isEmpty);
  const name = path.basename(editor.document.uri.path) || editor.document.uri.toString();
  const where =
    selections.length === 0
      ? "whole document"
      : selections.length === 1
        ? `selection, ${lineSpan(toLsp(selections[0]))}`
        : `${selections.length} selections`;
  return { editor, uri: editor.document.uri.toString(), ranges: selections.map(toLsp), source: `${name} · ${where}` };
}

async function withProgress<T>(title: string, work: (opts: { token: vscode.CancellationToken; progress: vscode.Progress<{ message?: string; increment?: number }> }) => Promise<T>): Promise<T | undefined> {
  try {
    return await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title, cancellable: true },
      (progress, token) => work({ token, progress }),
    );
  } catch (err) {
    if (err instanceof Cancelled) return undefined;
    throw err;
  }
}

function report(log: vscode.LogOutputChannel, what: string, err: unknown): void {
  const message = errorMessage(err);
  log.error(`${what} failed: ${message}`);
  void vscode.window.showErrorMessage(`tokls: ${what} failed: ${message}`, "Show Output").then((c) => c && log.show(true));
}

export async function classifySelection(server: ServerManager, panel: ResultPanel, log: vscode.LogOutputChannel): Promise<void> {
  const t = target();
  if (!t) return;
  const model = config(t.editor.document.uri).get<string>("classifier.model", "sentiment");
  try {
    const result = await withProgress(`tokls: classifying with ${model}`, (opts) =>
      server.command<ClassifyResult>("tokls.classify", [t.uri, t.ranges], opts),
    );
    if (!result) return log.info("Classification cancelled");
    const doc = t.editor.document;
    const textOf = (r: LspRange) => doc.getText(new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character));
    // What the server classified: the ranges joined by newlines, or the whole document.
    const text = t.ranges.length > 0 ? t.ranges.map(textOf).join("\n") : doc.getText();
    const view = classifyView(result, { source: t.source, textOf, text });
    log.info(`Classified ${t.source}: ${view.summary}`);
    await panel.showClassification(doc.uri, view);
    // The panel says it all; a notification only when the results are not on screen.
    if (!panel.visible) void vscode.window.showInformationMessage(`tokls: ${view.summary}`);
  } catch (err) {
    report(log, "Classify Selection", err);
  }
}

export async function classifyLines(server: ServerManager, panel: ResultPanel, log: vscode.LogOutputChannel): Promise<void> {
  const t = target();
  if (!t) return;
  const model = config(t.editor.document.uri).get<string>("classifier.model", "sentiment");
  try {
    const result = await withProgress(`tokls: classifying each line with ${model}`, (opts) =>
      server.command<ClassifyLinesResult>("tokls.classifyLines", [t.uri, t.ranges, "line"], opts),
    );
    if (!result) return log.info("Classification cancelled");
    const view = classifyLinesView(result, { source: t.source, unit: "line" });
    log.info(`Classified lines of ${t.source}: ${view.summary}`);
    await panel.showClassification(t.editor.document.uri, view);
    if (!panel.visible) void vscode.window.showInformationMessage(`tokls: ${view.summary}`);
  } catch (err) {
    report(log, "Classify Each Line", err);
  }
}

export async function showTokens(server: ServerManager, panel: ResultPanel, log: vscode.LogOutputChannel): Promise<void> {
  const t = target();
  if (!t) return;
  try {
    const args: unknown[] = t.ranges.length > 0 ? [t.uri, t.ranges[0]] : [t.uri];
    const result = await server.command<TokensResult>("tokls.tokens", args);
    const source = t.ranges.length > 1 ? `${t.source} (first shown)` : t.source;
    await panel.showTokens(t.editor.document.uri, tokensView(result, { source }));
  } catch (err) {
    report(log, "Show Tokens", err);
  }
}

/**
 * The result panel: a webview view ("tokls" → "Results") in the panel area under the editors,
 * wide enough for tables without squeezing the editor into a narrow column. It shows the latest
 * classification or token list; clicking a row (window, line, token) selects that text.
 */
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import { ClassificationView, LspRange, TokensView } from "./lib/results";
import { PageContext, renderClassification, renderTokens } from "./lib/render";

interface Shown {
  title: string;
  render: (ctx: PageContext) => string;
}

export class ResultPanel implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewId = "tokls.results";
  private view: vscode.WebviewView | undefined;
  private shown: Shown | undefined;
  private document: vscode.Uri | undefined;
  private ranges: LspRange[] = [];
  private readonly registration: vscode.Disposable;

  constructor() {
    this.registration = vscode.window.registerWebviewViewProvider(ResultPanel.viewId, this, {
      webviewOptions: { retainContextWhenHidden: true },
    });
  }

  /** Whether the results are on screen (then no notification is needed). */
  get visible(): boolean {
    return this.view?.visible ?? false;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = { enableScripts: true, localResourceRoots: [] };
    view.webview.onDidReceiveMessage((msg: { type?: string; target?: number }) => {
      if (msg?.type === "reveal" && typeof msg.target === "number") void this.reveal(msg.target);
    });
    view.onDidDispose(() => (this.view = undefined));
    this.render();
  }

  async showClassification(doc: vscode.Uri, view: ClassificationView): Promise<void> {
    this.document = doc;
    this.ranges = view.ranges;
    await this.show({ title: view.label, render: (ctx) => renderClassification(view, ctx) });
  }

  async showTokens(doc: vscode.Uri, view: TokensView): Promise<void> {
    this.document = doc;
    this.ranges = view.ranges;
    await this.show({ title: "tokens", render: (ctx) => renderTokens(view, ctx) });
  }

  private async show(shown: Shown): Promise<void> {
    this.shown = shown;
    if (this.view) {
      this.render();
      if (!this.view.visible) this.view.show(true);
      return;
    }
    // First time: open the view (this resolves it), then give the keyboard back to the editor.
    const editor = vscode.window.activeTextEditor;
    await vscode.commands.executeCommand(`${ResultPanel.viewId}.focus`);
    this.render();
    if (editor) await vscode.window.showTextDocument(editor.document, { viewColumn: editor.viewColumn, selection: editor.selection, preserveFocus: false });
  }

  private render(): void {
    if (!this.view || !this.shown) return;
    this.view.description = this.shown.title;
    this.view.webview.html = this.shown.render({ nonce: nonce(), cspSource: this.view.webview.cspSource });
  }

  /** Select the text of row `target` in an editor showing the classified document. */
  private async reveal(target: number): Promise<void> {
    const lsp = this.ranges[target];
    const uri = this.document;
    if (!lsp || !uri) return;
    const range = new vscode.Range(lsp.start.line, lsp.start.character, lsp.end.line, lsp.end.character);
    const visible = vscode.window.visibleTextEditors.find((e) => e.document.uri.toString() === uri.toString());
    const editor = await vscode.window.showTextDocument(visible?.document ?? (await vscode.workspace.openTextDocument(uri)), {
      viewColumn: visible?.viewColumn ?? vscode.ViewColumn.One,
      preserveFocus: false,
      selection: range,
    });
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }

  dispose(): void {
    this.registration.dispose();
  }
}

function nonce(): string {
  return randomBytes(16).toString("base64url");
}

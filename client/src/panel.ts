/**
 * The result panel: one webview beside the editor that shows the latest classification or token
 * list. Clicking a row (window, line, token) selects that text in the editor.
 */
import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import { ClassificationView, LspRange, TokensView } from "./lib/results";
import { renderClassification, renderTokens } from "./lib/render";

export class ResultPanel implements vscode.Disposable {
  static readonly viewType = "tokls.results";
  private panel: vscode.WebviewPanel | undefined;
  private document: vscode.Uri | undefined;
  private ranges: LspRange[] = [];

  showClassification(doc: vscode.Uri, view: ClassificationView): void {
    const panel = this.ensure(`tokls: ${view.label}`);
    this.document = doc;
    this.ranges = view.ranges;
    panel.webview.html = renderClassification(view, { nonce: nonce(), cspSource: panel.webview.cspSource });
  }

  showTokens(doc: vscode.Uri, view: TokensView): void {
    const panel = this.ensure("tokls: tokens");
    this.document = doc;
    this.ranges = view.ranges;
    panel.webview.html = renderTokens(view, { nonce: nonce(), cspSource: panel.webview.cspSource });
  }

  private ensure(title: string): vscode.WebviewPanel {
    if (this.panel) {
      this.panel.title = title;
      if (!this.panel.visible) this.panel.reveal(vscode.ViewColumn.Beside, true);
      return this.panel;
    }
    const panel = vscode.window.createWebviewPanel(
      ResultPanel.viewType,
      title,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      { enableScripts: true, localResourceRoots: [], enableFindWidget: true },
    );
    panel.onDidDispose(() => (this.panel = undefined));
    panel.webview.onDidReceiveMessage((msg: { type?: string; target?: number }) => {
      if (msg?.type === "reveal" && typeof msg.target === "number") void this.reveal(msg.target);
    });
    this.panel = panel;
    return panel;
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
    this.panel?.dispose();
  }
}

function nonce(): string {
  return randomBytes(16).toString("base64url");
}

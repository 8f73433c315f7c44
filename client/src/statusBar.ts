/**
 * The status bar item: token count of the active document and of its selections, and the
 * tokenizer (`412 tok · sel 37 · bert-base-uncased`), in warning colours when over the limit.
 * Clicking it opens Select Tokenizer Model.
 */
import * as vscode from "vscode";
import { CountResult, statusView } from "./lib/status";
import { errorMessage } from "./logging";
import { Cancelled, ServerManager } from "./server";
import { config, statusBarEnabled } from "./settings";

export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subs: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  private seq = 0;
  private inflight: vscode.CancellationTokenSource | undefined;

  constructor(
    private readonly server: ServerManager,
    private readonly log: vscode.LogOutputChannel,
  ) {
    this.item = vscode.window.createStatusBarItem("tokls.status", vscode.StatusBarAlignment.Right, 100);
    this.item.name = "tokls token count";
    this.item.command = "tokls.selectModel";
    const w = vscode.window;
    this.subs.push(
      this.item,
      w.onDidChangeActiveTextEditor(() => this.schedule(0)),
      w.onDidChangeTextEditorSelection((e) => e.textEditor === w.activeTextEditor && this.schedule(120)),
      vscode.workspace.onDidChangeTextDocument((e) => e.document === w.activeTextEditor?.document && this.schedule(400)),
      vscode.languages.onDidChangeDiagnostics((e) => {
        const uri = w.activeTextEditor?.document.uri.toString();
        if (uri && e.uris.some((u) => u.toString() === uri)) this.schedule(50);
      }),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration("tokls") && this.schedule(300)),
      server.onDidChangeClient(() => this.schedule(0)),
    );
    this.schedule(0);
  }

  /** Recount after `delayMs` (debounced). */
  schedule(delayMs: number): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.refresh(), delayMs);
  }

  private async refresh(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    const client = this.server.running;
    if (!statusBarEnabled() || !editor || !client || !this.serves(editor.document)) {
      if (!client && this.server.failure && statusBarEnabled()) this.showFailure(this.server.failure);
      else this.item.hide();
      return;
    }
    this.item.command = "tokls.selectModel";
    const seq = ++this.seq;
    this.inflight?.cancel();
    const cts = (this.inflight = new vscode.CancellationTokenSource());
    const doc = editor.document;
    const ranges = editor.selections.filter((s) => !s.isEmpty).map((s) => client.code2ProtocolConverter.asRange(s));
    try {
      const count = await this.server.command<CountResult>("tokls.count", [client.code2ProtocolConverter.asUri(doc.uri), ranges], {
        token: cts.token,
      });
      if (seq !== this.seq || !count) return;
      const view = statusView(count, config(doc.uri).get<string>("segment", "document"));
      this.item.text = view.text;
      this.item.tooltip = new vscode.MarkdownString(view.tooltip, true);
      this.item.accessibilityInformation = { label: view.ariaLabel };
      this.item.backgroundColor = view.warning ? new vscode.ThemeColor("statusBarItem.warningBackground") : undefined;
      this.item.color = view.warning ? new vscode.ThemeColor("statusBarItem.warningForeground") : undefined;
      this.item.show();
    } catch (err) {
      if (err instanceof Cancelled || seq !== this.seq) return;
      this.log.warn(`tokls.count failed: ${errorMessage(err)}`);
      this.item.text = "$(warning) tok ?";
      this.item.tooltip = `tokls could not count tokens: ${errorMessage(err)}\n\nClick to switch tokenizer.`;
      this.item.backgroundColor = new vscode.ThemeColor("statusBarItem.warningBackground");
      this.item.show();
    } finally {
      cts.dispose();
      if (this.inflight === cts) this.inflight = undefined;
    }
  }

  private showFailure(message: string): void {
    this.item.text = "$(error) tokls";
    this.item.tooltip = `${message}\n\nClick to see the log.`;
    this.item.command = "tokls.showOutput";
    this.item.backgroundColor = new vscode.ThemeColor("statusBarItem.errorBackground");
    this.item.color = undefined;
    this.item.show();
  }

  private serves(doc: vscode.TextDocument): boolean {
    const selector = this.server.running?.clientOptions.documentSelector;
    return !!selector && vscode.languages.match(selector as vscode.DocumentSelector, doc) > 0;
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    this.inflight?.cancel();
    this.subs.forEach((s) => s.dispose());
  }
}

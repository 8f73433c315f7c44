/**
 * Editor features on top of the server's LSP ones: the "tokls: Show Tokens" toggle (the
 * `tokls.showTokens` setting; the server then answers semantic tokens), copying what the model
 * sees (the code action's `tokls.modelText` result goes to the clipboard), and the "Token counts"
 * tree view fed by the server's `tokls/workspaceCounts` request.
 */
import * as vscode from "vscode";
import { ServerManager } from "./server";

interface FileRow {
  uri: string;
  path: string;
  folder: string;
  tokens: number;
  percent: number | null;
  truncated: number;
}
interface FolderRow {
  folder: string;
  path: string;
  tokens: number;
  files: number;
  truncated: number;
}
interface Counts {
  files: FileRow[];
  folders: FolderRow[];
}

type Node = { kind: "folder"; row: FolderRow } | { kind: "file"; row: FileRow };

const parentOf = (path: string): string => (path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : ".");

/** The `tokls.modelText` result → clipboard (called from the client's executeCommand middleware). */
export async function copyModelText(result: unknown): Promise<void> {
  const text = (result as { text?: unknown } | undefined)?.text;
  if (typeof text !== "string") return;
  await vscode.env.clipboard.writeText(text);
  void vscode.window.showInformationMessage(`tokls: copied what the model sees (${text.length.toLocaleString()} characters).`);
}

class TokenCounts implements vscode.TreeDataProvider<Node> {
  private counts: Counts | undefined;
  private pending: vscode.CancellationTokenSource | undefined;
  private readonly changed = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly server: ServerManager) {}

  async refresh(): Promise<void> {
    const client = this.server.running;
    if (!client) return;
    this.pending?.cancel(); // the latest refresh wins: the server stops the older one between files
    const source = (this.pending = new vscode.CancellationTokenSource());
    try {
      const counts = await vscode.window.withProgress(
        { location: { viewId: "tokls.tokenCounts" } },
        () => client.sendRequest<Counts>("tokls/workspaceCounts", {}, source.token),
      );
      if (!source.token.isCancellationRequested) {
        this.counts = counts;
        this.changed.fire(undefined);
      }
    } catch (err) {
      if (!source.token.isCancellationRequested) void vscode.window.showWarningMessage(`tokls: workspace counts failed: ${String(err)}`);
    }
  }

  getChildren(node?: Node): Node[] {
    if (!this.counts) return [];
    const parent = node?.kind === "folder" ? node.row : undefined;
    if (!parent) return this.counts.folders.filter((f) => f.path === ".").map((row) => ({ kind: "folder", row }));
    const folders: Node[] = this.counts.folders
      .filter((f) => f.folder === parent.folder && f.path !== "." && parentOf(f.path) === parent.path)
      .map((row) => ({ kind: "folder", row }));
    const files: Node[] = this.counts.files
      .filter((f) => f.folder === parent.folder && parentOf(f.path) === parent.path)
      .sort((a, b) => b.tokens - a.tokens)
      .map((row) => ({ kind: "file", row }));
    return [...folders, ...files];
  }

  getTreeItem(node: Node): vscode.TreeItem {
    if (node.kind === "folder") {
      const r = node.row;
      const item = new vscode.TreeItem(r.path === "." ? r.folder : r.path.split("/").pop()!, vscode.TreeItemCollapsibleState.Expanded);
      item.description = `${r.tokens.toLocaleString()} tokens · ${r.files} file${r.files === 1 ? "" : "s"}${r.truncated ? ` · ${r.truncated} truncated` : ""}`;
      item.iconPath = vscode.ThemeIcon.Folder;
      return item;
    }
    const r = node.row;
    const item = new vscode.TreeItem(r.path.split("/").pop()!, vscode.TreeItemCollapsibleState.None);
    item.description = `${r.tokens.toLocaleString()} tokens${r.percent === null ? "" : ` · ${r.percent}%`}`;
    item.resourceUri = vscode.Uri.parse(r.uri);
    item.iconPath = r.truncated ? new vscode.ThemeIcon("warning") : vscode.ThemeIcon.File;
    item.command = { command: "vscode.open", title: "Open", arguments: [item.resourceUri] };
    return item;
  }
}

export function registerEditorFeatures(server: ServerManager): vscode.Disposable {
  const tree = new TokenCounts(server);
  return vscode.Disposable.from(
    vscode.window.registerTreeDataProvider("tokls.tokenCounts", tree),
    vscode.commands.registerCommand("tokls.refreshTokenCounts", () => tree.refresh()),
    vscode.commands.registerCommand("tokls.toggleShowTokens", async () => {
      const config = vscode.workspace.getConfiguration("tokls");
      await config.update("showTokens", !config.get<boolean>("showTokens", false), vscode.ConfigurationTarget.Global);
    }),
    server.onDidChangeClient((client) => {
      if (client) void tree.refresh();
    }),
  );
}

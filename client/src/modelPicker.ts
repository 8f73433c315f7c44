/**
 * Select Tokenizer Model: a quick pick of the presets, the recently used models and “Browse…”
 * for a local folder; typing a Hugging Face hub id offers it too. Writes `tokls.model`.
 */
import * as vscode from "vscode";
import { ModelItem, customItem, modelItems, pushRecent } from "./lib/models";
import { config } from "./settings";

const RECENT_KEY = "tokls.recentModels";

type PickItem = vscode.QuickPickItem & { item: ModelItem };

function toPick(item: ModelItem): PickItem {
  switch (item.kind) {
    case "separator":
      return { label: item.label, kind: vscode.QuickPickItemKind.Separator, item };
    case "model":
      return { label: item.current ? `$(check) ${item.label}` : item.label, description: item.description, detail: item.detail, item };
    case "browse":
      return { label: item.label, detail: item.detail, item, alwaysShow: true };
    case "custom":
      return { label: item.label, detail: item.detail, item, alwaysShow: true };
  }
}

export async function selectModel(context: vscode.ExtensionContext): Promise<void> {
  const current = config().get<string>("model", "bert-base-uncased");
  const recent = context.globalState.get<string[]>(RECENT_KEY, []);
  const base = modelItems(current, recent);

  const qp = vscode.window.createQuickPick<PickItem>();
  qp.title = "tokls: Select Tokenizer Model";
  qp.placeholder = "A preset, a recent model, Browse… for a local folder, or type a Hugging Face hub id";
  qp.matchOnDescription = true;
  qp.matchOnDetail = true;
  qp.items = base.map(toPick);
  qp.onDidChangeValue((value) => {
    const extra = customItem(value, base);
    qp.items = (extra ? [extra, ...base] : base).map(toPick);
  });

  const picked = await new Promise<ModelItem | undefined>((resolve) => {
    qp.onDidAccept(() => {
      resolve(qp.selectedItems[0]?.item);
      qp.hide();
    });
    qp.onDidHide(() => resolve(undefined));
    qp.show();
  });
  qp.dispose();
  if (!picked) return;

  let model: string | undefined;
  if (picked.kind === "model" || picked.kind === "custom") {
    model = picked.model;
  } else if (picked.kind === "browse") {
    const folders = await vscode.window.showOpenDialog({
      canSelectFolders: true,
      canSelectFiles: false,
      canSelectMany: false,
      openLabel: "Use This Tokenizer",
      title: "tokls: folder with tokenizer.json, vocab.txt or vocab.json + merges.txt",
    });
    model = folders?.[0]?.fsPath;
  }
  if (!model) return;

  // Write where it takes effect: the workspace if the workspace already overrides it.
  const inspected = config().inspect<string>("model");
  const target =
    inspected?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
  await config().update("model", model, target);
  await context.globalState.update(RECENT_KEY, pushRecent(recent, model));
}

/** The client's commands (ids differ from the server's `tokls.count` / `tokls.classify` …). */
import * as vscode from "vscode";
import { classifyLines, classifySelection, showTokens } from "./classify";
import { compareModels } from "./compare";
import { datasetReport } from "./datasetReport";
import { selectModel } from "./modelPicker";
import { ResultPanel } from "./panel";
import { ServerManager } from "./server";

export function registerCommands(context: vscode.ExtensionContext, server: ServerManager, log: vscode.LogOutputChannel): vscode.Disposable {
  const panel = new ResultPanel();
  const reg = vscode.commands.registerCommand;
  return vscode.Disposable.from(
    panel,
    reg("tokls.classifySelection", () => classifySelection(server, panel, log)),
    reg("tokls.classifyLinesOfSelection", () => classifyLines(server, panel, log)),
    reg("tokls.showTokensOfSelection", () => showTokens(server, panel, log)),
    reg("tokls.selectModel", () => selectModel(context)),
    reg("tokls.restartServer", () => server.restart("requested by the user")),
    reg("tokls.showOutput", () => log.show()),
    reg("tokls.compareModels", () => compareModels(server, log)),
    reg("tokls.datasetReport", () => datasetReport(server, log)),
  );
}

/**
 * "Install tokls": sets up the server in a virtual environment in the extension's global storage
 * from the wheel the .vsix carries, with a cancellable progress notification and the commands'
 * output in the tokls log.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";
import { InstallStep, commandLine, explainInstallFailure, installSteps, pickWheel, venvPython } from "./lib/install";

export class Installer {
  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly log: vscode.LogOutputChannel,
  ) {}

  /** The extension's version: the tokls version it was built with. */
  get version(): string {
    return String(this.context.extension.packageJSON.version ?? "");
  }

  private get venv(): string {
    return path.join(this.context.globalStorageUri.fsPath, "venv");
  }

  /** The interpreter of the environment "Install tokls" made, when there is one. */
  get python(): string | undefined {
    const py = venvPython(this.venv, process.platform);
    return existsSync(py) ? py : undefined;
  }

  /** Set up the environment with `base` (a Python ≥ 3.10). Resolves to whether it succeeded. */
  async install(base: string): Promise<boolean> {
    const folder = path.join(this.context.extensionPath, "out", "server");
    const wheel = existsSync(folder) ? pickWheel(readdirSync(folder), this.version) : undefined;
    if (!wheel) {
      void vscode.window.showErrorMessage("tokls: this build of the extension carries no tokls wheel; install tokls with pip and set “tokls.interpreter”.");
      return false;
    }
    const steps = installSteps(base, this.venv, path.join(folder, wheel), process.platform);
    this.log.info(`Installing tokls ${this.version} into ${this.venv}`);
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: "tokls: installing the server", cancellable: true },
      async (progress, token) => {
        rmSync(this.venv, { recursive: true, force: true });
        mkdirSync(path.dirname(this.venv), { recursive: true });
        for (const [i, step] of steps.entries()) {
          progress.report({ message: `${step.title} (${i + 1}/${steps.length})`, increment: i === 0 ? 0 : 100 / steps.length });
          const result = await this.run(step, token);
          if (token.isCancellationRequested) {
            this.log.info("Install tokls cancelled");
            rmSync(this.venv, { recursive: true, force: true });
            return false;
          }
          if (result.code !== 0) {
            const message = explainInstallFailure(step, result.output);
            this.log.error(`${message} (exit status ${result.code})`);
            rmSync(this.venv, { recursive: true, force: true });
            void vscode.window.showErrorMessage(message, "Show Output").then((c) => c && this.log.show(true));
            return false;
          }
        }
        this.log.info(`tokls ${this.version} installed: ${venvPython(this.venv, process.platform)}`);
        return true;
      },
    );
  }

  private run(step: InstallStep, token: vscode.CancellationToken): Promise<{ code: number; output: string }> {
    this.log.info(`$ ${commandLine(step)}`);
    return new Promise((resolve) => {
      let output = "";
      const child = spawn(step.command, step.args, { windowsHide: true, env: { ...process.env, PYTHONIOENCODING: "utf-8" } });
      const sub = token.onCancellationRequested(() => child.kill());
      const take = (data: Buffer) => {
        const text = data.toString("utf8");
        output += text;
        for (const line of text.split(/\r?\n/)) if (line.trim() !== "") this.log.info(`  ${line}`);
      };
      child.stdout.on("data", take);
      child.stderr.on("data", take);
      child.on("error", (err) => {
        output += String(err);
      });
      child.on("close", (code) => {
        sub.dispose();
        resolve({ code: code ?? 1, output });
      });
    });
  }
}

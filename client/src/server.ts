/**
 * Starting, stopping and restarting the tokls language server (`python -m tokls serve` on stdio),
 * and calling its `workspace/executeCommand` commands with progress and cancellation.
 */
import { randomUUID } from "node:crypto";
import * as vscode from "vscode";
import {
  CloseAction,
  DidChangeConfigurationNotification,
  ErrorAction,
  ErrorHandler,
  ExecuteCommandRequest,
  LanguageClient,
  LanguageClientOptions,
  RevealOutputChannelOn,
  ServerOptions,
  State,
  WorkDoneProgress,
} from "vscode-languageclient/node";
import { CheckOutcome, Interpreter, SERVE_ARGS, explainFailure, installCommand } from "./lib/interpreter";
import { ProgressTracker, WorkDone } from "./lib/progress";
import { configurationSection, documentSelector } from "./lib/settings";
import { copyModelText } from "./editorFeatures";
import { Installer } from "./installer";
import { errorMessage, serverStdio } from "./logging";
import { checkInterpreter, pythonExtensionInstalled, resolveInterpreter } from "./python";
import { readLanguages, readServerSettings } from "./settings";

export interface CommandOptions {
  token?: vscode.CancellationToken;
  progress?: vscode.Progress<{ message?: string; increment?: number }>;
}

/** Thrown by `ServerManager.command` when the user cancelled the request. */
export class Cancelled extends Error {
  constructor() {
    super("cancelled");
  }
}

export class ServerManager implements vscode.Disposable {
  private client: LanguageClient | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly changed = new vscode.EventEmitter<LanguageClient | undefined>();
  /** Fires with the running client after each start, and with `undefined` after a stop. */
  readonly onDidChangeClient = this.changed.event;
  private lastFailure: string | undefined;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly installer: Installer,
  ) {}

  /** The running client, if any. */
  get running(): LanguageClient | undefined {
    return this.client?.isRunning() ? this.client : undefined;
  }

  /** Why the last start failed, if it did. */
  get failure(): string | undefined {
    return this.lastFailure;
  }

  start(): Promise<void> {
    return this.enqueue(() => this.doStart());
  }

  stop(): Promise<void> {
    return this.enqueue(() => this.doStop());
  }

  restart(reason: string): Promise<void> {
    this.log.info(`Restarting the server: ${reason}`);
    return this.enqueue(async () => {
      await this.doStop();
      await this.doStart();
    });
  }

  /** Send the current server settings (after a change that needs no restart). */
  async pushSettings(): Promise<void> {
    const client = this.running;
    if (!client) return;
    this.log.info("Settings changed: sending workspace/didChangeConfiguration");
    await client.sendNotification(DidChangeConfigurationNotification.type, { settings: { tokls: readServerSettings() } });
  }

  /** Run a server command (docs/protocol.md) with work-done progress and cancellation. */
  async command<T>(command: string, args: unknown[], opts: CommandOptions = {}): Promise<T> {
    await this.queue;
    const client = this.running;
    if (!client) {
      throw new Error(this.lastFailure ?? "the tokls server is not running (run “tokls: Restart Server”, see “tokls: Show Output”)");
    }
    const workDoneToken = opts.progress ? randomUUID() : undefined;
    const tracker = new ProgressTracker();
    const sub =
      workDoneToken && opts.progress
        ? client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
            const step = tracker.step(value as WorkDone);
            if (step) opts.progress!.report(step);
          })
        : undefined;
    try {
      const result = (await client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args, workDoneToken }, opts.token)) as T;
      // A server that finished before it saw the cancellation: the user no longer wants the result.
      if (opts.token?.isCancellationRequested) throw new Cancelled();
      return result;
    } catch (err) {
      if (opts.token?.isCancellationRequested) throw new Cancelled();
      throw err;
    } finally {
      sub?.dispose();
    }
  }

  dispose(): void {
    void this.stop();
    this.changed.dispose();
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async doStart(): Promise<void> {
    this.lastFailure = undefined;
    // Menus and the keybinding are offered for these languages (`resourceLangId in tokls.languages`).
    const languages = readLanguages();
    await vscode.commands.executeCommand("setContext", "tokls.languages", languages);
    const chosen = await resolveInterpreter();
    this.log.info(`Python interpreter: ${chosen.command} (${chosen.source})`);
    let interp = chosen;
    let check: CheckOutcome = await checkInterpreter(chosen.command, this.installer.version);
    // No tokls where we looked, and the user did not name an interpreter: the environment
    // "Install tokls" made, if there is one.
    const installed = this.installer.python;
    if (!check.ok && chosen.source !== "setting" && installed) {
      const own = await checkInterpreter(installed, this.installer.version);
      this.log.info(`${chosen.command}: ${check.detail}; trying the environment Install tokls made: ${own.ok ? "ok" : own.detail}`);
      if (own.ok) {
        interp = { command: installed, source: "installed" };
        check = own;
      }
    }
    if (!check.ok) {
      const canInstall = (check.problem === "missing" || check.problem === "incompatible") && chosen.source !== "setting";
      this.fail(chosen, explainFailure(chosen, check), check.problem === "missing" || check.problem === "incompatible", canInstall);
      return;
    }
    this.log.info(`Python ${check.version} at ${check.executable} has tokls${check.tokls ? ` ${check.tokls}` : ""}; starting \`${interp.command} ${SERVE_ARGS.join(" ")}\``);

    // No `transport`: TransportKind.stdio would append `--stdio`, which `tokls serve` does not take.
    const serverOptions: ServerOptions = {
      command: interp.command,
      args: [...SERVE_ARGS],
      options: { env: { ...process.env, PYTHONUNBUFFERED: "1", PYTHONIOENCODING: "utf-8" } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: documentSelector(languages),
      outputChannel: this.log,
      revealOutputChannelOn: RevealOutputChannelOn.Never,
      stdioOptions: serverStdio(),
      initializationOptions: () => readServerSettings(),
      markdown: { isTrusted: false, supportHtml: false },
      middleware: {
        // The "Copy what the model sees" code action runs tokls.modelText: its result goes to the clipboard.
        executeCommand: async (command, args, next) => {
          const result: unknown = await next(command, args);
          if (command === "tokls.modelText") await copyModelText(result);
          return result;
        },
        workspace: {
          // Answer the server's workspace/configuration with the protocol's tree, not VS Code's
          // flat section (which also holds client-only settings).
          configuration: async (params, token, next) => {
            const defaults = await next(params, token);
            return params.items.map((item, i) => {
              const scope = item.scopeUri ? vscode.Uri.parse(item.scopeUri) : undefined;
              const value = configurationSection(readServerSettings(scope), item.section);
              return value === undefined && Array.isArray(defaults) ? defaults[i] : value;
            });
          },
        },
      },
      errorHandler: this.errorHandler(),
    };
    const client = new LanguageClient("tokls", "tokls", serverOptions, clientOptions);
    // Crashes and automatic restarts: keep the context key and the status bar in step.
    client.onDidChangeState((e) => {
      if (this.client !== client || e.newState === State.Starting) return;
      const running = e.newState === State.Running;
      void vscode.commands.executeCommand("setContext", "tokls.active", running);
      this.changed.fire(running ? client : undefined);
    });
    try {
      await client.start();
    } catch (err) {
      this.log.error(`The server did not start: ${errorMessage(err)}`);
      this.lastFailure = `tokls: the server did not start (${errorMessage(err)}).`;
      try {
        await client.dispose(2000);
      } catch {
        // already gone
      }
      void this.showFailure(this.lastFailure, interp, false, false);
      this.changed.fire(undefined);
      return;
    }
    this.client = client;
    await vscode.commands.executeCommand("setContext", "tokls.active", true);
    this.log.info("Server started");
    this.changed.fire(client);
  }

  private async doStop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    await vscode.commands.executeCommand("setContext", "tokls.active", false);
    this.changed.fire(undefined);
    try {
      if (client.needsStop()) await client.stop(3000);
    } catch (err) {
      this.log.warn(`Stopping the server: ${errorMessage(err)}`);
    }
    try {
      await client.dispose();
    } catch {
      // already disposed
    }
  }

  /** Restart a server that died, unless it died 3 times within 3 minutes. */
  private errorHandler(): ErrorHandler {
    const deaths: number[] = [];
    return {
      error: () => ({ action: ErrorAction.Continue }),
      closed: () => {
        const now = Date.now();
        deaths.push(now);
        while (deaths.length > 0 && now - deaths[0] > 3 * 60_000) deaths.shift();
        if (deaths.length <= 3) {
          this.log.error("The tokls server stopped unexpectedly (see the log above); restarting it.");
          return { action: CloseAction.Restart };
        }
        const message = "The tokls server stopped 4 times in 3 minutes and will not be restarted. See “tokls: Show Output”, then run “tokls: Restart Server”.";
        this.log.error(message);
        this.lastFailure = message;
        return { action: CloseAction.DoNotRestart, message };
      },
    };
  }

  private fail(interp: Interpreter, message: string, offerCopy: boolean, offerInstall: boolean): void {
    this.lastFailure = message;
    this.log.error(message);
    this.changed.fire(undefined);
    void this.showFailure(message, interp, offerCopy, offerInstall);
  }

  private async showFailure(message: string, interp: Interpreter, offerCopy: boolean, offerInstall: boolean): Promise<void> {
    const install = "Install tokls";
    const select = "Select Interpreter";
    const copy = "Copy Install Command";
    const output = "Show Output";
    const actions = offerInstall ? [install, select, output] : offerCopy ? [select, copy, output] : [select, output];
    const choice = await vscode.window.showErrorMessage(message, ...actions);
    if (choice === install) {
      if (await this.installer.install(interp.command)) await this.restart("tokls was installed");
    } else if (choice === select) {
      if (pythonExtensionInstalled() && interp.source !== "setting") {
        await vscode.commands.executeCommand("python.setInterpreter");
      } else {
        await vscode.commands.executeCommand("workbench.action.openSettings", "tokls.interpreter");
      }
    } else if (choice === copy) {
      await vscode.env.clipboard.writeText(installCommand(interp.command));
      void vscode.window.showInformationMessage(`Copied: ${installCommand(interp.command)} — run it in a terminal, then “tokls: Restart Server”.`);
    } else if (choice === output) {
      this.log.show(true);
    }
  }
}

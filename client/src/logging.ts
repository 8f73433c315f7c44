/** The `tokls` log output channel, shared by the client and the language client (server log, trace). */
import * as readline from "node:readline";
import type { Readable } from "node:stream";
import * as vscode from "vscode";
import { ServerLogParser } from "./lib/serverLog";

export function createLog(context: vscode.ExtensionContext): vscode.LogOutputChannel {
  const channel = vscode.window.createOutputChannel("tokls", { log: true });
  context.subscriptions.push(channel);
  return channel;
}

/** Message of any thrown value, for the log and for notifications. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === "object" && err !== null && "message" in err) return String((err as { message: unknown }).message);
  return String(err);
}

function lines(input: Readable, each: (line: string) => void): void {
  readline.createInterface({ input, crlfDelay: Infinity, terminal: false, historySize: 0 }).on("line", each);
}

/**
 * How the language client reads the server's stdout and stderr: stderr's Python log records
 * are logged at their own level, once stamped (the language client's default logs every stderr
 * line as an error, with the record's timestamp and level inside the text).
 */
export function serverStdio(): {
  stdout: (input: Readable, channel: vscode.LogOutputChannel) => void;
  stderr: (input: Readable, channel: vscode.LogOutputChannel) => void;
} {
  return {
    stdout: (input, channel) => lines(input, (line) => channel.info(line)),
    stderr: (input, channel) => {
      const parser = new ServerLogParser();
      lines(input, (raw) => {
        const got = parser.line(raw);
        if (got) channel[got.level](got.text);
      });
    },
  };
}

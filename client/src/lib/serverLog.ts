/**
 * The server's stderr → the tokls log at the right level. `tokls serve` writes Python log records
 * as `2025-01-02 10:11:12,345 WARNING pygls.protocol: text`: the log channel adds its own
 * timestamp and level, so the record's are dropped and its level is used. Lines that are not
 * records (a traceback's continuation) keep the level of the record they follow. Pure.
 */

export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";

export interface LogLine {
  level: LogLevel;
  text: string;
}

const RECORD = /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?:[.,]\d+)? (DEBUG|INFO|WARNING|ERROR|CRITICAL) ([\w.]+): ?(.*)$/;

const LEVELS: Record<string, LogLevel> = { DEBUG: "debug", INFO: "info", WARNING: "warn", ERROR: "error", CRITICAL: "error" };

/** Warnings that are not problems: pygls' answer to a `$/cancelRequest` for a request it has
 * already answered (the ordinary race of cancelling a hover that just arrived). */
const HARMLESS = [/^Cancel notification for unknown message id/];

export class ServerLogParser {
  private last: LogLevel = "error";

  line(raw: string): LogLine | undefined {
    const line = raw.replace(/\s+$/, "");
    if (line === "") return undefined;
    const m = RECORD.exec(line);
    if (!m) return { level: this.last, text: line };
    const [, levelName, logger, message] = m;
    let level = LEVELS[levelName] ?? "info";
    if (level === "warn" && HARMLESS.some((re) => re.test(message))) level = "debug";
    this.last = level;
    return { level, text: logger === "tokls" ? message : `${logger}: ${message}` };
  }
}

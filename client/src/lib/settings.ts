/**
 * The settings tree the server reads (docs/protocol.md), built from VS Code's flat `tokls.*`
 * configuration, and which setting changes need a server restart.
 *
 * Pure: takes an accessor instead of `vscode.WorkspaceConfiguration`, so it runs under Node's
 * test runner.
 */

export type Severity = "off" | "hint" | "information" | "warning" | "error";

export interface ServerSettings {
  model: string;
  maxLength: number | null;
  budget: { warnAt: number | null };
  segment: "document" | "paragraph" | "line" | "record";
  severity: { tokenCount: Severity; truncation: Severity };
  debounceMs: number;
  maxDocumentSize: number;
  maxDocumentTokens: number;
  exclude: string[];
  classifier: {
    model: string;
    longText: "window" | "truncate";
    stride: number;
    batchSize: number;
    device: "auto" | "cpu" | "cuda";
    backend: "auto" | "onnx" | "torch";
    endpoint: string | null;
    timeoutMs: number;
  };
  dataset: { fields: string[] };
  showTokens: boolean;
  inlayHints: boolean;
  split: { separator: string };
}

/** Defaults of the server settings, keyed by their dotted name under `tokls.`. */
export const SERVER_DEFAULTS: Readonly<Record<string, unknown>> = Object.freeze({
  model: "bert-base-uncased",
  maxLength: null,
  "budget.warnAt": 0.8,
  segment: "document",
  "severity.tokenCount": "information",
  "severity.truncation": "warning",
  debounceMs: 150,
  maxDocumentSize: 5_000_000,
  maxDocumentTokens: 4_000_000,
  exclude: [],
  "classifier.model": "sentiment",
  "classifier.longText": "window",
  "classifier.stride": 128,
  "classifier.batchSize": 32,
  "classifier.device": "auto",
  "dataset.fields": [],
  showTokens: false,
  inlayHints: true,
  "classifier.backend": "auto",
  "classifier.endpoint": null,
  "classifier.timeoutMs": 30_000,
  "split.separator": "",
});

export const SERVER_KEYS: readonly string[] = Object.keys(SERVER_DEFAULTS);

/** Client-only settings: never sent to the server. */
export const CLIENT_DEFAULTS: Readonly<Record<string, unknown>> = Object.freeze({
  interpreter: "",
  languages: ["plaintext", "markdown", "restructuredtext", "latex", "asciidoc", "git-commit"],
  "trace.server": "off",
  "statusBar.enabled": true,
});

/** Client settings whose change means a new server process (or a new document selector). */
export const RESTART_KEYS: readonly string[] = ["interpreter", "languages"];

export type Get = (key: string) => unknown;

/** Build the nested tree `{model, severity: {...}, classifier: {...}, ...}` from dotted keys. */
export function serverSettings(get: Get): ServerSettings {
  const tree: Record<string, unknown> = {};
  for (const key of SERVER_KEYS) {
    let value = get(key);
    if (value === undefined) value = SERVER_DEFAULTS[key];
    setPath(tree, key.split("."), clone(value));
  }
  return tree as unknown as ServerSettings;
}

/**
 * Answer one `workspace/configuration` item from the tree: `tokls` → the tree, `tokls.a.b` →
 * that subtree or value. Returns `undefined` for sections outside `tokls`, which the caller
 * answers the default way.
 */
export function configurationSection(tree: ServerSettings, section: string | undefined): unknown {
  if (section === undefined || section === "") return undefined;
  const parts = section.split(".");
  if (parts[0] !== "tokls") return undefined;
  let node: unknown = tree;
  for (const part of parts.slice(1)) {
    if (node === null || typeof node !== "object" || !(part in node)) return null;
    node = (node as Record<string, unknown>)[part];
  }
  return clone(node);
}

export type ChangeAction = "restart" | "notify" | "none";

/**
 * What a configuration change means for the server, given `affects(key)` (true when
 * `tokls.<key>` changed, like `ConfigurationChangeEvent.affectsConfiguration`).
 */
export function changeAction(affects: (key: string) => boolean): ChangeAction {
  if (RESTART_KEYS.some(affects)) return "restart";
  if (SERVER_KEYS.some(affects)) return "notify";
  return "none";
}

/** Document selector entries for the configured language ids (files and unsaved buffers). */
export function documentSelector(languages: unknown): { scheme: string; language: string }[] {
  const ids = Array.isArray(languages) ? languages : (CLIENT_DEFAULTS.languages as string[]);
  const clean = [...new Set(ids.filter((id): id is string => typeof id === "string" && id.trim() !== ""))];
  return clean.flatMap((language) => [
    { scheme: "file", language },
    { scheme: "untitled", language },
  ]);
}

function setPath(tree: Record<string, unknown>, path: string[], value: unknown): void {
  let node = tree;
  for (const part of path.slice(0, -1)) {
    if (typeof node[part] !== "object" || node[part] === null) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}

function clone<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

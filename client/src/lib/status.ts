/** Text, tooltip and colour of the status bar item, from a `tokls.count` result. Pure. */

/** Result of the server command `tokls.count(uri, ranges)` (docs/protocol.md). */
export interface CountResult {
  model: string;
  maxLength: number | null;
  tokens: number;
  truncated: boolean;
  segments: number;
  selections: number[];
  /** Context window of a model name (from the catalogue); null/absent for presets and folders. */
  contextWindow?: number | null;
  /** Input cost in USD of the document's tokens, when the catalogue has a price. */
  cost?: number | null;
  /** The server's one-line count message, e.g. `12,450 tokens · gpt-4o · 9.7% of 128,000 · ≈ $0.031 input`. */
  message?: string;
}

export interface StatusView {
  /** Status bar text, e.g. `$(symbol-ruler) 412 tok · sel 37 · bert-base-uncased`. */
  text: string;
  /** Markdown tooltip. */
  tooltip: string;
  /** True when the document or a selection is over the model's limit. */
  warning: boolean;
  /** Accessible label for screen readers. */
  ariaLabel: string;
}

/** Short display name of a tokenizer: the folder name for local paths, the id otherwise. */
export function modelLabel(model: string, max = 32): string {
  let name = model.trim();
  const isPath = /^([~.]?[\\/]|[A-Za-z]:[\\/])/.test(name) || name.startsWith("file:");
  if (isPath) {
    const parts = name.split(/[\\/]+/).filter((p) => p !== "");
    name = parts.length > 0 ? parts[parts.length - 1] : name;
  }
  return name.length > max ? `${name.slice(0, max - 1)}…` : name;
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

export function statusView(count: CountResult, segment = "document"): StatusView {
  const model = modelLabel(count.model);
  const selTotal = count.selections.reduce((a, b) => a + b, 0);
  const overSelection = count.maxLength !== null && count.selections.some((n) => n > count.maxLength!);
  const warning = count.truncated || overSelection;

  const parts = [`${formatCount(count.tokens)} tok`];
  if (count.selections.length === 1) parts.push(`sel ${formatCount(selTotal)}`);
  else if (count.selections.length > 1) parts.push(`sel ${formatCount(selTotal)} in ${count.selections.length}`);
  parts.push(model);
  if (count.contextWindow !== undefined && count.contextWindow !== null && count.maxLength !== null && (segment === "document" || count.segments <= 1)) {
    parts.push(`${percent(count.tokens, count.maxLength, 1)} of ${formatCount(count.maxLength)}`);
  }
  if (count.cost !== undefined && count.cost !== null) parts.push(`≈ ${formatCost(count.cost)}`);
  const text = `${warning ? "$(warning)" : "$(symbol-ruler)"} ${parts.join(" · ")}`;

  const limit = count.maxLength;
  const unit = segment === "paragraph" ? "paragraph" : segment === "line" ? "line" : "segment";
  const lines: string[] = [`**tokls** · \`${escapeMarkdown(count.model)}\``, ""];
  let doc = `Document: **${formatCount(count.tokens)}** tokens`;
  if (count.segments > 1) doc += ` in ${formatCount(count.segments)} ${unit}s`;
  if (limit !== null) {
    doc += segment === "document" || count.segments <= 1
      ? ` (${percent(count.tokens, limit)} of ${formatCount(limit)})`
      : ` (limit ${formatCount(limit)} per ${unit})`;
  }
  lines.push(doc);
  if (count.cost !== undefined && count.cost !== null) lines.push("", `Input cost: ≈ ${formatCost(count.cost)}`);
  if (count.truncated) {
    lines.push("", `$(warning) Over the limit: the model never sees the text past the warning squiggle.`);
  }
  count.selections.forEach((n, i) => {
    const label = count.selections.length === 1 ? "Selection" : `Selection ${i + 1}`;
    let s = `${label}: **${formatCount(n)}** tokens`;
    if (limit !== null) s += ` (${percent(n, limit)} of ${formatCount(limit)})`;
    if (limit !== null && n > limit) s += " — over the limit";
    lines.push("", s);
  });
  lines.push("", "Special tokens included. Click to switch tokenizer.");

  const aria = `${count.tokens} tokens${count.selections.length ? `, selection ${selTotal} tokens` : ""}, ${model}${warning ? ", over the limit" : ""}`;
  return { text, tooltip: lines.join("\n"), warning, ariaLabel: aria };
}

function percent(n: number, of: number, decimals = 0): string {
  if (of <= 0) return "–";
  return decimals ? `${((100 * n) / of).toFixed(decimals)}%` : `${Math.round((100 * n) / of)}%`;
}

/** `$0.031`, `$0.50`, `$12.30`: as the server's count message writes a cost. */
export function formatCost(usd: number): string {
  if (usd <= 0) return "$0";
  if (usd < 1e-8) return "< $0.00000001";
  let decimals = 2;
  while (usd < 10 ** (1 - decimals) && decimals < 8) decimals += 1;
  return `$${usd.toLocaleString("en-US", { minimumFractionDigits: decimals, maximumFractionDigits: decimals })}`;
}

function escapeMarkdown(s: string): string {
  return s.replace(/[`\\]/g, "\\$&");
}

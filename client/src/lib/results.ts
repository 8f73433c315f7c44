/**
 * Server results of the classify and tokens commands (docs/protocol.md) → view models for the
 * result panel. Pure: no `vscode`, no HTML.
 */

export interface LspPosition {
  line: number;
  character: number;
}
export interface LspRange {
  start: LspPosition;
  end: LspPosition;
}
export interface Score {
  label: string;
  score: number;
  /** Per-line results: how many rows this label won (the bar is count / rows). */
  count?: number;
}

export interface ClassifyResult {
  model: string;
  label: string;
  score: number;
  scores: Score[];
  multiLabel: boolean;
  tokens: number;
  mode: "window" | "truncate" | string;
  aggregation: string | null;
  droppedTokens: number;
  windows: { range: LspRange; label: string; score: number; scores: Score[] }[];
}

export interface ClassifyLinesResult {
  model: string;
  multiLabel: boolean;
  rows: { range: LspRange; text: string; label: string; score: number; scores: Score[]; tokens: number }[];
}

export interface TokenInfo {
  index: number;
  id: number;
  piece: string;
  text: string;
  range: LspRange;
  special: boolean;
  unknown: boolean;
  truncated: boolean;
}

export interface TokensResult {
  model: string;
  tokens: TokenInfo[];
}

export interface PanelRow {
  /** Where the text is, e.g. `line 3` or `lines 3–9`. */
  where: string;
  text: string;
  label: string;
  score: number;
  tokens?: number;
  /** Index into the ranges the panel keeps, for click-to-select. */
  target: number;
}

export interface ClassificationView {
  kind: "classify" | "lines";
  heading: string;
  source: string;
  model: string;
  multiLabel: boolean;
  label: string;
  score: number;
  /** Beside the top label: its probability, or for per-line runs how many rows it won. */
  headline: string;
  /** Bars, highest first. */
  scores: Score[];
  /** An excerpt of the classified text, when it is one text (not per line). */
  quote?: string;
  barsCaption: string;
  facts: [string, string][];
  rowsTitle?: string;
  rows: PanelRow[];
  /** Ranges of the rows, in row order (target indexes). */
  ranges: LspRange[];
  /** One-line summary for the notification. */
  summary: string;
}

export interface TokensView {
  heading: string;
  source: string;
  model: string;
  tokens: TokenInfo[];
  facts: [string, string][];
  ranges: LspRange[];
}

export function formatPercent(p: number): string {
  if (!Number.isFinite(p)) return "–";
  const v = p * 100;
  if (v > 0 && v < 0.1) return "<0.1%";
  if (v < 100 && v > 99.9) return ">99.9%";
  return `${v.toFixed(1)}%`;
}

/** `line 3`, or `lines 3–9` (1-based; a range ending at column 0 of a line does not include it). */
export function lineSpan(range: LspRange): string {
  const first = range.start.line;
  let last = range.end.line;
  if (last > first && range.end.character === 0) last -= 1;
  return first === last ? `line ${first + 1}` : `lines ${first + 1}–${last + 1}`;
}

export function byScore(scores: readonly Score[]): Score[] {
  return [...scores].sort((a, b) => b.score - a.score || a.label.localeCompare(b.label));
}

/** Collapse whitespace and cut to `max` characters, for table cells. */
export function excerpt(text: string, max = 160): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** What the scores mean, in plain words. */
export function scoresInWords(multiLabel: boolean): string {
  return multiLabel ? "each label scored on its own (several can be high)" : "one label per text; the probabilities add up to 100%";
}

/** An excerpt for the panel's quote: whitespace collapsed, the start and the end kept. */
export function quoteOf(text: string, max = 280): string {
  const flat = text.replace(/\s+/g, " ").trim();
  if (flat.length <= max) return flat;
  const head = Math.floor(max * 0.7);
  return `${flat.slice(0, head)} … ${flat.slice(flat.length - (max - head - 3))}`;
}

export function classifyView(
  result: ClassifyResult,
  ctx: { source: string; heading?: string; textOf: (range: LspRange) => string; text?: string },
): ClassificationView {
  const windows = result.windows ?? [];
  const facts: [string, string][] = [
    ["Model", result.model],
    ["Tokens", result.tokens.toLocaleString("en-US")],
  ];
  if (result.mode === "truncate") {
    facts.push(["Long text", result.droppedTokens > 0 ? `truncated: ${result.droppedTokens.toLocaleString("en-US")} tokens not seen` : "truncate (fits)"]);
  } else if (windows.length > 1) {
    facts.push(["Long text", `${windows.length} windows, ${result.aggregation ?? "mean"} of their scores`]);
  }
  facts.push(["Scores", scoresInWords(result.multiLabel)]);
  const showRows = windows.length > 1;
  return {
    kind: "classify",
    heading: ctx.heading ?? "Classify Selection",
    source: ctx.source,
    model: result.model,
    multiLabel: result.multiLabel,
    label: result.label,
    score: result.score,
    headline: formatPercent(result.score),
    scores: byScore(result.scores),
    quote: ctx.text !== undefined ? quoteOf(ctx.text) : undefined,
    barsCaption: windows.length > 1 ? `${result.aggregation ?? "mean"} over ${windows.length} windows` : "probability",
    facts,
    rowsTitle: showRows ? "Windows" : undefined,
    rows: showRows
      ? windows.map((w, i) => ({ where: lineSpan(w.range), text: excerpt(ctx.textOf(w.range)), label: w.label, score: w.score, target: i }))
      : [],
    ranges: showRows ? windows.map((w) => w.range) : [],
    summary: `${result.label} ${formatPercent(result.score)} · ${result.model}`,
  };
}

export function classifyLinesView(
  result: ClassifyLinesResult,
  ctx: { source: string; unit?: "line" | "paragraph" },
): ClassificationView {
  const unit = ctx.unit ?? "line";
  const rows = result.rows ?? [];
  // How many rows each label won; every label the model has is listed, also those that won none.
  const wins = new Map<string, number>();
  const sums = new Map<string, number>();
  for (const row of rows) {
    for (const s of row.scores) {
      if (!wins.has(s.label)) wins.set(s.label, 0);
      sums.set(s.label, (sums.get(s.label) ?? 0) + s.score);
    }
    wins.set(row.label, (wins.get(row.label) ?? 0) + 1);
  }
  // Most rows first; ties: the higher total probability, then the name.
  const ranked = [...wins].sort((a, b) => b[1] - a[1] || (sums.get(b[0]) ?? 0) - (sums.get(a[0]) ?? 0) || a[0].localeCompare(b[0]));
  const scores: Score[] = ranked.map(([label, n]) => ({ label, count: n, score: rows.length ? n / rows.length : 0 }));
  const top = ranked.length ? { label: ranked[0][0], won: ranked[0][1] } : { label: "—", won: 0 };
  const plural = (n: number) => `${n} ${unit}${n === 1 ? "" : "s"}`;
  const tally = ranked.filter(([, n]) => n > 0).map(([label, n]) => `${label} ${n}`).join(" · ");
  return {
    kind: "lines",
    heading: unit === "line" ? "Classify Each Line" : "Classify Each Paragraph",
    source: ctx.source,
    model: result.model,
    multiLabel: result.multiLabel,
    label: top.label,
    score: rows.length ? top.won / rows.length : 0,
    headline: `${top.won} of ${plural(rows.length)}`,
    scores,
    barsCaption: `${unit}s per label (the label each ${unit} scored highest)`,
    facts: [
      ["Model", result.model],
      [unit === "line" ? "Lines" : "Paragraphs", rows.length.toLocaleString("en-US")],
      ["Tokens", rows.reduce((a, r) => a + (r.tokens ?? 0), 0).toLocaleString("en-US")],
      ["Scores", scoresInWords(result.multiLabel)],
    ],
    rowsTitle: unit === "line" ? "Lines" : "Paragraphs",
    rows: rows.map((r, i) => ({ where: lineSpan(r.range), text: excerpt(r.text), label: r.label, score: r.score, tokens: r.tokens, target: i })),
    ranges: rows.map((r) => r.range),
    summary: `${plural(rows.length)}: ${tally} · ${result.model}`,
  };
}

export function tokensView(result: TokensResult, ctx: { source: string }): TokensView {
  const tokens = result.tokens ?? [];
  const special = tokens.filter((t) => t.special).length;
  const unknown = tokens.filter((t) => t.unknown).length;
  const truncated = tokens.filter((t) => t.truncated).length;
  const facts: [string, string][] = [
    ["Model", result.model],
    ["Tokens", tokens.length.toLocaleString("en-US") + (tokens.length >= 5000 ? " (first 5,000)" : "")],
  ];
  if (special) facts.push(["Special", String(special)]);
  if (unknown) facts.push(["Unknown", String(unknown)]);
  if (truncated) facts.push(["Past the limit", String(truncated)]);
  return { heading: "Tokens", source: ctx.source, model: result.model, tokens, facts, ranges: tokens.map((t) => t.range) };
}

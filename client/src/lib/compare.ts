/** The `tokls.compare` result (docs/protocol.md) as a markdown table. Pure. */

export interface CompareRow {
  model: string;
  preset: string | null;
  tokens: number | null;
  characters: number;
  charsPerToken: number | null;
  maxLength: number | null;
  share: number | null;
  cost: number | null;
  truncated: boolean;
  droppedTokens: number;
  note: string;
  error: string | null;
}

export interface CompareResult {
  characters: number;
  rows: CompareRow[];
}

export const DEFAULT_COMPARE_MODELS = "gpt-4o, llama-3.1-8b, mistral-large, bert-base-uncased";

function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function cost(usd: number): string {
  if (usd <= 0) return "$0";
  let decimals = 2;
  while (usd < 10 ** (1 - decimals) && decimals < 8) decimals += 1;
  return `≈ $${usd.toFixed(decimals)}`;
}

export function compareMarkdown(result: CompareResult, source: string): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const lines = [
    `# tokls: models side by side`,
    "",
    `${cell(source)} · ${n(result.characters)} characters · special tokens included`,
    "",
    "| model | preset | tokens | chars/token | window | % of window | input cost | truncates |",
    "|---|---|--:|--:|--:|--:|--:|---|",
  ];
  const errors: string[] = [];
  for (const r of result.rows) {
    if (r.error !== null || r.tokens === null) {
      lines.push(`| ${cell(r.model)} | – | – | – | – | – | – | error |`);
      errors.push(`- **${cell(r.model)}**: ${cell(r.error ?? "not loaded")}`);
      continue;
    }
    lines.push(
      `| ${cell(r.model)} | ${cell(r.preset ?? "–")} | ${n(r.tokens)} | ${r.charsPerToken !== null ? r.charsPerToken.toFixed(2) : "–"} | ` +
        `${r.maxLength !== null ? n(r.maxLength) : "none"} | ${r.share !== null ? `${(100 * r.share).toFixed(1)}%` : "–"} | ` +
        `${r.cost !== null ? cost(r.cost) : "–"} | ${r.truncated ? `**yes** (−${n(r.droppedTokens)})` : "no"} |`,
    );
  }
  if (errors.length) lines.push("", ...errors);
  return lines.join("\n") + "\n";
}

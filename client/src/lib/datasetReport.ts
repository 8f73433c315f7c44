/**
 * HTML of the "tokls: Dataset Report" panel: the JSON of `tokls.datasetStats` (the same as
 * `tokls stats --format json`) as figures, the histogram as an SVG chart, and the longest records
 * as links to their lines. Pure: data in, a full document out (one nonce'd style and script).
 */
import { PageContext, escapeHtml } from "./render";

export interface Where {
  path: string;
  line: number;
  tokens: number;
}

export interface DatasetStats {
  model: string;
  max_length: number | null;
  files: string[];
  records: number;
  tokens: { min: number; mean: number; p50: number; p90: number; p95: number; p99: number; max: number } | null;
  histogram: { from: number; to: number; count: number }[];
  truncated: { records: number; tokens_lost: number };
  padding: {
    batch_size: number;
    longest: number;
    sorted_buckets: number;
    max_length: number | null;
    recommended_max_length: number | null;
  } | null;
  max_length_candidates: { max_length: number; truncated_fraction: number; padding_fraction: number }[];
  longest: Where[];
  outliers: Where[];
  outlier_threshold?: number;
  empty: number;
  missing_field: number;
  duplicates: number;
  invalid: { path: string; line: number; error: string }[];
}

const n = (v: number): string => Math.round(v).toLocaleString("en-US");
const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

/** The histogram as an SVG bar chart: one bar per bin, height proportional to its count. */
export function histogramSvg(bins: DatasetStats["histogram"], maxLength: number | null, width = 600, height = 160): string {
  if (bins.length === 0) return "";
  const top = Math.max(...bins.map((b) => b.count), 1);
  const w = width / bins.length;
  const bars = bins
    .map((b, i) => {
      const h = b.count === 0 ? 0 : Math.max(1, (b.count / top) * (height - 20));
      const over = maxLength !== null && b.to > maxLength + 1 ? " over" : "";
      return `<rect class="bin${over}" x="${(i * w + 1).toFixed(1)}" y="${(height - 20 - h).toFixed(1)}" width="${Math.max(w - 2, 1).toFixed(1)}" height="${h.toFixed(1)}"><title>${n(b.from)}–${n(b.to - 1)} tokens: ${n(b.count)} record${b.count === 1 ? "" : "s"}</title></rect>`;
    })
    .join("");
  const first = bins[0]!.from;
  const last = bins[bins.length - 1]!.to - 1;
  return `<svg class="hist" role="img" aria-label="histogram of tokens per record" viewBox="0 0 ${width} ${height}" width="100%" preserveAspectRatio="none">${bars}<text x="0" y="${height - 4}">${n(first)}</text><text x="${width}" y="${height - 4}" text-anchor="end">${n(last)} tokens</text></svg>`;
}

function facts(rows: [string, string][]): string {
  return `<dl>${rows.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join("")}</dl>`;
}

export function renderDatasetReport(s: DatasetStats, source: string, ctx: PageContext): string {
  const limit = s.max_length;
  const t = s.tokens;
  const overview: [string, string][] = [
    ["Model", s.model],
    ["Max length", limit === null ? "unbounded" : n(limit)],
    ["Records", n(s.records)],
  ];
  if (t) {
    overview.push(["Tokens per record", `min ${n(t.min)} · mean ${t.mean.toFixed(1)} · p50 ${n(t.p50)} · max ${n(t.max)}`]);
    overview.push(["Percentiles", `p90 ${n(t.p90)} · p95 ${n(t.p95)} · p99 ${n(t.p99)}`]);
  }
  overview.push(["Truncated", `${n(s.truncated.records)} records, ${n(s.truncated.tokens_lost)} tokens lost`]);
  overview.push(["Empty · missing field · duplicates · invalid", `${n(s.empty)} · ${n(s.missing_field)} · ${n(s.duplicates)} · ${n(s.invalid.length)}`]);

  let padding = "";
  if (s.padding) {
    const p = s.padding;
    const rows: [string, string][] = [
      [`padding="longest", batches of ${p.batch_size} in file order`, pct(p.longest)],
      ["length-sorted buckets", pct(p.sorted_buckets)],
    ];
    if (p.max_length !== null) rows.push([`padding="max_length" (${n(limit ?? 0)})`, pct(p.max_length)]);
    const cands = s.max_length_candidates
      .map((c) => {
        const rec = c.max_length === p.recommended_max_length;
        return `<tr${rec ? ' class="rec"' : ""}><td class="num">${n(c.max_length)}</td><td class="num">${pct(c.truncated_fraction)}</td><td class="num">${pct(c.padding_fraction)}</td><td>${rec ? "← smallest truncating ≤ 1%" : ""}</td></tr>`;
      })
      .join("");
    padding = `<section><h2>Padding</h2>${facts(rows)}
<table><thead><tr><th class="num">max_length</th><th class="num">truncated</th><th class="num">padding</th><th></th></tr></thead><tbody>${cands}</tbody></table></section>`;
  }

  const links = (title: string, list: Where[]): string =>
    list.length === 0
      ? ""
      : `<section><h2>${escapeHtml(title)} <span class="count">${list.length}</span></h2><ol class="records">${list
          .map((w) => `<li><a href="#" data-line="${w.line}" title="Open line ${w.line}">line ${n(w.line)}</a> <span class="num">${n(w.tokens)} tokens</span>${limit !== null && w.tokens > limit ? ' <span class="over">truncated</span>' : ""}</li>`)
          .join("")}</ol></section>`;
  const invalid =
    s.invalid.length === 0
      ? ""
      : `<section><h2>Invalid records <span class="count">${s.invalid.length}</span></h2><ol class="records">${s.invalid
          .slice(0, 50)
          .map((e) => `<li><a href="#" data-line="${e.line}">line ${n(e.line)}</a> ${escapeHtml(e.error)}</li>`)
          .join("")}</ol></section>`;

  const body = `<header><div class="eyebrow">tokls · dataset report</div><h1>${escapeHtml(source)}</h1></header>
<section>${facts(overview)}</section>
${t ? `<section><h2>Tokens per record</h2>${histogramSvg(s.histogram, limit)}</section>` : "<p>No records with an input field.</p>"}
${padding}
${links("Longest records", s.longest)}
${links(`Outliers${s.outlier_threshold !== undefined ? ` (over ${n(s.outlier_threshold)} tokens)` : ""}`, s.outliers.slice(0, 50))}
${invalid}`;
  const csp = `default-src 'none'; style-src 'nonce-${ctx.nonce}'; script-src 'nonce-${ctx.nonce}';`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>tokls: dataset report</title>
<style nonce="${ctx.nonce}">
body{font-family:var(--vscode-font-family);color:var(--vscode-foreground);padding:0 16px}
.eyebrow{opacity:.7;font-size:.85em}h1{font-size:1.3em;margin:.2em 0 .8em}h2{font-size:1.05em}
dl div{display:flex;gap:1em}dt{min-width:22em;opacity:.8}dd{margin:0}
.hist{max-width:720px;height:180px}.bin{fill:var(--vscode-charts-blue)}.bin.over{fill:var(--vscode-charts-red)}
.hist text{fill:var(--vscode-foreground);font-size:10px}
table{border-collapse:collapse}td,th{padding:2px 10px}.num{text-align:right;font-variant-numeric:tabular-nums}
tr.rec{font-weight:bold}.over{color:var(--vscode-errorForeground)}.count{opacity:.6}
a{color:var(--vscode-textLink-foreground);cursor:pointer}
</style></head><body>
${body}
<script nonce="${ctx.nonce}">
const vscode = acquireVsCodeApi();
document.querySelectorAll('[data-line]').forEach(function (el) {
  el.addEventListener('click', function (e) { e.preventDefault(); vscode.postMessage({ type: 'open', line: Number(el.getAttribute('data-line')) }); });
});
</script>
</body></html>`;
}

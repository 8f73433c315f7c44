/**
 * HTML of the result panel (a webview). Pure: strings in, a full document out.
 *
 * The page loads nothing from outside: one nonce'd <style> and one nonce'd <script>, colours from
 * VS Code's theme variables, so it follows light, dark and high-contrast themes. Widths and
 * colours are CSS rules in that style block, since the CSP forbids inline style attributes.
 */
import { ClassificationView, TokensView, formatPercent } from "./results";

export interface PageContext {
  nonce: string;
  cspSource: string;
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** A stable colour class per label: positive/negative/neutral get green/red/yellow, others a palette. */
export function labelColor(label: string, index: number): string {
  const l = label.toLowerCase();
  if (/^(pos|positive|label_1)$|posit|fresh|good/.test(l)) return "c-pos";
  if (/^(neg|negative|label_0)$|negat|rotten|bad|toxic/.test(l)) return "c-neg";
  if (/neutral|^neu$|mixed/.test(l)) return "c-neu";
  return `c-${index % 5}`;
}

function pct(p: number): string {
  return `${Math.max(0, Math.min(100, p * 100)).toFixed(2)}%`;
}

export function renderClassification(view: ClassificationView, ctx: PageContext): string {
  const colors = new Map<string, string>();
  view.scores.forEach((s, i) => colors.set(s.label, labelColor(s.label, i)));
  const colorOf = (label: string) => colors.get(label) ?? labelColor(label, colors.size);
  const rules: string[] = [];

  const bars = view.scores
    .map((s, i) => {
      rules.push(`#bar-${i}{width:${pct(s.score)}}`);
      const top = s.label === view.label ? " top" : "";
      return `<div class="bar-row${top}" role="listitem" aria-label="${escapeHtml(s.label)} ${s.count !== undefined ? `${s.count}` : formatPercent(s.score)}">
  <span class="bar-label">${escapeHtml(s.label)}</span>
  <span class="bar-track"><span class="bar-fill ${colorOf(s.label)}" id="bar-${i}"></span></span>
  <span class="bar-value">${s.count !== undefined ? String(s.count) : formatPercent(s.score)}</span>
</div>`;
    })
    .join("\n");

  const facts = view.facts.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join("");

  let table = "";
  if (view.rows.length > 0) {
    const showTokens = view.rows.some((r) => r.tokens !== undefined);
    const body = view.rows
      .map((r, i) => {
        rules.push(`#row-${i}{width:${pct(r.score)}}`);
        return `<tr data-target="${r.target}" tabindex="0" title="Select this text in the editor">
  <td class="where">${escapeHtml(r.where)}</td>
  <td><span class="chip ${colorOf(r.label)}">${escapeHtml(r.label)}</span></td>
  <td class="score"><span class="mini-track"><span class="bar-fill ${colorOf(r.label)}" id="row-${i}"></span></span><span class="mini-value">${formatPercent(r.score)}</span></td>
  ${showTokens ? `<td class="num tokens">${r.tokens ?? ""}</td>` : ""}
  <td class="text">${escapeHtml(r.text)}</td>
</tr>`;
      })
      .join("\n");
    table = `<section>
<h2>${escapeHtml(view.rowsTitle ?? "Rows")} <span class="count">${view.rows.length}</span></h2>
<p class="hint">Click a row to select its text in the editor.</p>
<table class="rows">
<thead><tr><th>Where</th><th>Label</th><th>Score</th>${showTokens ? '<th class="num tokens">Tokens</th>' : ""}<th>Text</th></tr></thead>
<tbody>
${body}
</tbody>
</table>
</section>`;
  }

  const main = `<header>
  <div class="eyebrow">tokls · ${escapeHtml(view.heading)}</div>
  <h1><span class="chip big ${colorOf(view.label)}" id="top-label">${escapeHtml(view.label)}</span><span class="top-score">${escapeHtml(view.headline)}</span></h1>
  <p class="source">${escapeHtml(view.source)}</p>
  ${view.quote !== undefined ? `<blockquote class="quote" id="quote">${escapeHtml(view.quote)}</blockquote>` : ""}
</header>
<section>
  <h2>Labels <span class="caption">${escapeHtml(view.barsCaption)}</span></h2>
  <div class="bars" role="list">
${bars}
  </div>
</section>
<dl class="facts">${facts}</dl>
${table}`;
  return page(`tokls: ${view.label}`, main, rules, ctx);
}

export function renderTokens(view: TokensView, ctx: PageContext): string {
  const chips = view.tokens
    .map((t, i) => {
      const cls = ["tok", i % 2 ? "odd" : "even", t.special ? "special" : "", t.unknown ? "unknown" : "", t.truncated ? "truncated" : ""]
        .filter(Boolean)
        .join(" ");
      const title = `#${t.index} · id ${t.id} · ${JSON.stringify(t.piece)}${t.text && t.text !== t.piece ? ` · text ${JSON.stringify(t.text)}` : ""}${t.special ? " · special" : ""}${t.unknown ? " · unknown" : ""}${t.truncated ? " · past the limit" : ""}`;
      return `<span class="${cls}" data-target="${i}" tabindex="0" title="${escapeHtml(title)}">${escapeHtml(visible(t.piece))}<sub>${t.id}</sub></span>`;
    })
    .join("");
  const facts = view.facts.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${escapeHtml(v)}</dd></div>`).join("");
  const main = `<header>
  <div class="eyebrow">tokls · Show Tokens</div>
  <h1>${view.tokens.length.toLocaleString("en-US")} tokens <span class="top-score">${escapeHtml(view.model)}</span></h1>
  <p class="source">${escapeHtml(view.source)}</p>
</header>
<dl class="facts">${facts}</dl>
<p class="hint">Each box is one token as the model sees it, with its id. Click one to select its text. <span class="legend special">special</span> <span class="legend unknown">unknown</span> <span class="legend truncated">past the limit</span></p>
<div class="tokens">${chips}</div>`;
  return page(`tokls: tokens`, main, [], ctx);
}

/**
 * Make whitespace inside a token piece visible: spaces (and the space markers of byte-level BPE
 * `Ġ` and SentencePiece `▁`) as `·`, newlines (`Ċ`) as `↵`, tabs (`ĉ`) as `→`. The tooltip keeps
 * the raw piece.
 */
export function visible(piece: string): string {
  return piece.replace(/[ Ġ▁]/g, "·").replace(/[\nĊ]/g, "↵").replace(/[\tĉ]/g, "→") || "∅";
}

function page(title: string, main: string, rules: string[], ctx: PageContext): string {
  const csp = `default-src 'none'; style-src 'nonce-${ctx.nonce}'; script-src 'nonce-${ctx.nonce}'; img-src ${ctx.cspSource} data:;`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>${escapeHtml(title)}</title>
<style nonce="${ctx.nonce}">
${STYLE}
${rules.join("\n")}
</style>
</head>
<body>
<main>
${main}
</main>
<script nonce="${ctx.nonce}">
${SCRIPT}
</script>
</body>
</html>`;
}

const STYLE = `
:root { color-scheme: light dark; }
body { font-family: var(--vscode-font-family); font-size: var(--vscode-font-size); color: var(--vscode-foreground); background: var(--vscode-editor-background); margin: 0; }
main { padding: 14px 24px 28px; max-width: 1280px; }
.eyebrow { text-transform: uppercase; letter-spacing: .08em; font-size: 11px; color: var(--vscode-descriptionForeground); }
h1 { font-size: 22px; font-weight: 600; margin: 6px 0 2px; display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
h2 { font-size: 13px; font-weight: 600; margin: 22px 0 8px; text-transform: uppercase; letter-spacing: .05em; color: var(--vscode-descriptionForeground); }
h2 .caption, h2 .count { text-transform: none; letter-spacing: 0; font-weight: 400; margin-left: 6px; }
.top-score { font-variant-numeric: tabular-nums; color: var(--vscode-descriptionForeground); font-weight: 400; }
.source { margin: 2px 0 0; color: var(--vscode-descriptionForeground); }
.quote { margin: 10px 0 0; padding: 6px 12px; border-left: 3px solid var(--vscode-textBlockQuote-border, rgba(128,128,128,.5)); background: var(--vscode-textBlockQuote-background, rgba(128,128,128,.08)); font-style: italic; white-space: pre-wrap; overflow-wrap: anywhere; }
.hint { color: var(--vscode-descriptionForeground); margin: 4px 0 10px; }
.c-pos { --c: var(--vscode-charts-green, #388a34); }
.c-neg { --c: var(--vscode-charts-red, #e51400); }
.c-neu { --c: var(--vscode-charts-yellow, #bf8803); }
.c-0 { --c: var(--vscode-charts-blue, #1a85ff); }
.c-1 { --c: var(--vscode-charts-purple, #652d90); }
.c-2 { --c: var(--vscode-charts-orange, #d18616); }
.c-3 { --c: var(--vscode-charts-yellow, #bf8803); }
.c-4 { --c: var(--vscode-charts-foreground, #616161); }
.chip { display: inline-block; padding: 1px 8px; border-radius: 10px; border: 1px solid var(--c); color: var(--vscode-foreground); background: color-mix(in srgb, var(--c) 18%, transparent); font-weight: 600; font-size: 12px; }
.chip.big { font-size: 20px; padding: 2px 14px; border-radius: 16px; border-width: 2px; }
.bars { display: grid; gap: 8px; }
.bar-row { display: grid; grid-template-columns: minmax(90px, max-content) 1fr 64px; align-items: center; gap: 12px; }
.bar-row.top .bar-label { font-weight: 700; }
.bar-label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.bar-track, .mini-track { display: block; height: 14px; border-radius: 7px; background: var(--vscode-editorWidget-background, rgba(128,128,128,.15)); border: 1px solid var(--vscode-widget-border, transparent); overflow: hidden; }
.mini-track { height: 8px; width: 80px; display: inline-block; vertical-align: middle; margin-right: 8px; }
.bar-fill { display: block; height: 100%; background: var(--c); min-width: 2px; }
.bar-value, .mini-value, td.num { font-variant-numeric: tabular-nums; text-align: right; }
.facts { display: flex; flex-wrap: wrap; gap: 8px 28px; margin: 22px 0 0; padding: 10px 14px; border-radius: 6px; background: var(--vscode-textBlockQuote-background, rgba(128,128,128,.08)); border: 1px solid var(--vscode-widget-border, transparent); }
.facts div { display: flex; gap: 8px; }
.facts dt { color: var(--vscode-descriptionForeground); }
.facts dd { margin: 0; font-weight: 600; }
table.rows { border-collapse: collapse; width: 100%; }
table.rows th { text-align: left; font-weight: 600; color: var(--vscode-descriptionForeground); border-bottom: 1px solid var(--vscode-widget-border, var(--vscode-panel-border, rgba(128,128,128,.35))); padding: 4px 8px; }
table.rows td { padding: 5px 8px; border-bottom: 1px solid var(--vscode-editorGroup-border, rgba(128,128,128,.15)); vertical-align: middle; }
table.rows td.where { white-space: nowrap; color: var(--vscode-descriptionForeground); }
table.rows td.score { white-space: nowrap; }
table.rows td.text { color: var(--vscode-foreground); width: 100%; min-width: 14em; }
@media (max-width: 720px) {
  main { padding: 14px 14px 24px; }
  .mini-track, table.rows .tokens { display: none; }
  table.rows th, table.rows td { padding: 4px 5px; }
}
table.rows tbody tr { cursor: pointer; }
table.rows tbody tr:hover { background: var(--vscode-list-hoverBackground); }
table.rows tbody tr.selected { background: var(--vscode-list-activeSelectionBackground); color: var(--vscode-list-activeSelectionForeground); }
table.rows tbody tr:focus { outline: 1px solid var(--vscode-focusBorder); outline-offset: -1px; }
.tokens { display: flex; flex-wrap: wrap; gap: 4px; font-family: var(--vscode-editor-font-family); font-size: var(--vscode-editor-font-size); }
.tok { padding: 1px 5px; border-radius: 3px; cursor: pointer; border: 1px solid transparent; white-space: pre; }
.tok sub { font-size: 9px; margin-left: 3px; color: var(--vscode-descriptionForeground); }
.tok.even { background: color-mix(in srgb, var(--vscode-charts-blue, #1a85ff) 20%, transparent); }
.tok.odd { background: color-mix(in srgb, var(--vscode-charts-purple, #652d90) 20%, transparent); }
.tok.special, .legend.special { font-style: italic; opacity: .75; border-style: dashed; border-color: var(--vscode-descriptionForeground); }
.tok.unknown, .legend.unknown { border-color: var(--vscode-errorForeground); }
.tok.truncated, .legend.truncated { text-decoration: line-through; opacity: .55; }
.tok:focus, .tok.selected { outline: 2px solid var(--vscode-focusBorder); }
.legend { padding: 0 5px; border: 1px solid transparent; border-radius: 3px; margin-left: 6px; }
body.vscode-high-contrast .bar-fill, body.vscode-high-contrast-light .bar-fill { border-right: 2px solid var(--vscode-contrastBorder); }
body.vscode-high-contrast .bar-track, body.vscode-high-contrast-light .bar-track, body.vscode-high-contrast .mini-track, body.vscode-high-contrast-light .mini-track { border-color: var(--vscode-contrastBorder); }
body.vscode-high-contrast .tok, body.vscode-high-contrast-light .tok { border-color: var(--vscode-contrastBorder); }
`;

const SCRIPT = `
(function () {
  const vscode = acquireVsCodeApi();
  function reveal(el) {
    document.querySelectorAll('.selected').forEach(function (e) { e.classList.remove('selected'); });
    el.classList.add('selected');
    vscode.postMessage({ type: 'reveal', target: Number(el.getAttribute('data-target')) });
  }
  document.querySelectorAll('[data-target]').forEach(function (el) {
    el.addEventListener('click', function () { reveal(el); });
    el.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); reveal(el); }
    });
  });
})();
`;

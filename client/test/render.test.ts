import assert from "node:assert/strict";
import { test } from "node:test";
import { escapeHtml, labelColor, renderClassification, renderTokens, visible } from "../src/lib/render";
import { ClassifyResult, classifyLinesView, classifyView, tokensView } from "../src/lib/results";

const ctx = { nonce: "n0nce", cspSource: "vscode-webview://x" };
const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 5 } };
const result: ClassifyResult = {
  model: "sentiment",
  label: "POSITIVE",
  score: 0.9712,
  scores: [
    { label: "POSITIVE", score: 0.9712 },
    { label: "NEGATIVE", score: 0.0288 },
  ],
  multiLabel: false,
  tokens: 37,
  mode: "window",
  aggregation: null,
  droppedTokens: 0,
  windows: [{ range, label: "POSITIVE", score: 0.9712, scores: [] }],
};

test("the page has a bar per label with its probability, the model and the token count", () => {
  const html = renderClassification(classifyView(result, { source: "a.txt · line 1", textOf: () => "" }), ctx);
  assert.match(html, /<span class="chip big c-pos" id="top-label">POSITIVE<\/span><span class="top-score">97\.1%<\/span>/);
  assert.equal((html.match(/class="bar-row/g) ?? []).length, 2);
  assert.match(html, /#bar-0\{width:97\.12%\}/);
  assert.match(html, /#bar-1\{width:2\.88%\}/);
  assert.match(html, /<dt>Model<\/dt><dd>sentiment<\/dd>/);
  assert.match(html, /<dt>Tokens<\/dt><dd>37<\/dd>/);
  assert.doesNotMatch(html, /<table/);
});

test("the page loads nothing from outside and has no inline style attributes", () => {
  const html = renderClassification(classifyView(result, { source: "a", textOf: () => "" }), ctx);
  assert.match(html, /Content-Security-Policy" content="default-src &#39;none&#39;; style-src &#39;nonce-n0nce&#39;; script-src &#39;nonce-n0nce&#39;/);
  assert.doesNotMatch(html, /https?:\/\//);
  assert.doesNotMatch(html, /\sstyle="/);
  assert.doesNotMatch(html, /<(link|img|iframe)\b/);
  assert.equal((html.match(/<script nonce="n0nce">/g) ?? []).length, 1);
  assert.equal((html.match(/<script/g) ?? []).length, 1);
});

test("theme-aware: colours come from VS Code theme variables, with high-contrast borders", () => {
  const html = renderClassification(classifyView(result, { source: "a", textOf: () => "" }), ctx);
  assert.match(html, /var\(--vscode-foreground\)/);
  assert.match(html, /var\(--vscode-charts-green/);
  assert.match(html, /body\.vscode-high-contrast .bar-fill/);
});

test("text from documents and models is escaped", () => {
  const evil = { ...result, model: "<img src=x onerror=alert(1)>", label: "<b>", scores: [{ label: "<b>", score: 1 }] };
  const html = renderClassification(classifyView(evil, { source: "\"quoted\" & <tag>", textOf: () => "" }), ctx);
  assert.doesNotMatch(html, /<img src=x/);
  assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
  assert.match(html, /&quot;quoted&quot; &amp; &lt;tag&gt;/);
  assert.equal(escapeHtml(`<a href='x'>&</a>`), "&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;");
});

test("per-line runs render a clickable table with one row per line", () => {
  const scores = [{ label: "NEGATIVE", score: 0.8 }, { label: "POSITIVE", score: 0.2 }];
  const view = classifyLinesView(
    {
      model: "sentiment",
      multiLabel: false,
      rows: [
        { range, text: "Awful.", label: "NEGATIVE", score: 0.8, tokens: 4, scores },
        { range, text: "Dull <script>", label: "NEGATIVE", score: 0.7, tokens: 6, scores },
      ],
    },
    { source: "r.txt" },
  );
  const html = renderClassification(view, ctx);
  assert.equal((html.match(/<tr data-target="\d+" tabindex="0"/g) ?? []).length, 2);
  assert.match(html, /<td class="text">Dull &lt;script&gt;<\/td>/);
  assert.match(html, /Click a row to select its text in the editor/);
  assert.match(html, /<th class="num tokens">Tokens<\/th>/);
  assert.match(html, /postMessage\(\{ type: 'reveal'/);
});

test("label colours", () => {
  assert.equal(labelColor("POSITIVE", 3), "c-pos");
  assert.equal(labelColor("negative", 0), "c-neg");
  assert.equal(labelColor("neutral", 0), "c-neu");
  assert.equal(labelColor("sports", 1), "c-1");
  assert.equal(labelColor("sports", 6), "c-1");
});

test("tokens page: one box per token with its id, whitespace made visible", () => {
  const tok = (i: number, piece: string, extra: object = {}) => ({ index: i, id: 10 + i, piece, text: piece, range, special: false, unknown: false, truncated: false, ...extra });
  const html = renderTokens(tokensView({ model: "gpt2", tokens: [tok(0, "[CLS]", { special: true }), tok(1, " hello"), tok(2, "<x>")] }, { source: "a.txt" }), ctx);
  assert.equal((html.match(/<span class="tok /g) ?? []).length, 3);
  assert.match(html, /class="tok even special"/);
  assert.match(html, />·hello<sub>11<\/sub>/);
  assert.match(html, />&lt;x&gt;<sub>12<\/sub>/);
});

test("whitespace markers of byte-level BPE and SentencePiece are shown as visible spaces", () => {
  assert.equal(visible("Ġworld"), "·world");
  assert.equal(visible("▁world"), "·world");
  assert.equal(visible("ĊĊ"), "↵↵");
  assert.equal(visible("##ing"), "##ing");
  assert.equal(visible(""), "∅");
});

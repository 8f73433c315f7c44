import assert from "node:assert/strict";
import { test } from "node:test";
import {
  ClassifyLinesResult,
  ClassifyResult,
  LspRange,
  classifyLinesView,
  classifyView,
  excerpt,
  formatPercent,
  lineSpan,
  tokensView,
} from "../src/lib/results";
import { renderClassification } from "../src/lib/render";

const r = (l1: number, c1: number, l2: number, c2: number): LspRange => ({ start: { line: l1, character: c1 }, end: { line: l2, character: c2 } });

const short: ClassifyResult = {
  model: "sentiment",
  label: "POSITIVE",
  score: 0.97,
  scores: [
    { label: "NEGATIVE", score: 0.03 },
    { label: "POSITIVE", score: 0.97 },
  ],
  multiLabel: false,
  tokens: 37,
  mode: "window",
  aggregation: null,
  droppedTokens: 0,
  windows: [{ range: r(0, 0, 0, 50), label: "POSITIVE", score: 0.97, scores: [] }],
};

test("percent formatting", () => {
  assert.equal(formatPercent(0.97), "97.0%");
  assert.equal(formatPercent(0.12345), "12.3%");
  assert.equal(formatPercent(0.0004), "<0.1%");
  assert.equal(formatPercent(0.99996), ">99.9%");
  assert.equal(formatPercent(1), "100.0%");
  assert.equal(formatPercent(0), "0.0%");
});

test("line spans are 1-based and do not count a final column-0 line", () => {
  assert.equal(lineSpan(r(0, 0, 0, 9)), "line 1");
  assert.equal(lineSpan(r(2, 4, 8, 3)), "lines 3–9");
  assert.equal(lineSpan(r(2, 0, 3, 0)), "line 3");
});

test("excerpt flattens whitespace and cuts", () => {
  assert.equal(excerpt("a\n\n  b\tc"), "a b c");
  assert.equal(excerpt("x".repeat(300), 10), "xxxxxxxxx…");
});

test("a short text: bars highest first, no window table", () => {
  const v = classifyView(short, { source: "review.txt · line 1", textOf: () => "unused" });
  assert.equal(v.label, "POSITIVE");
  assert.deepEqual(v.scores.map((s) => s.label), ["POSITIVE", "NEGATIVE"]);
  assert.equal(v.rows.length, 0);
  assert.equal(v.barsCaption, "probability");
  assert.equal(v.summary, "POSITIVE 97.0% · sentiment");
  assert.equal(v.headline, "97.0%");
  assert.deepEqual(v.facts.find(([k]) => k === "Tokens"), ["Tokens", "37"]);
});

test("a long text: one row per window with its text and lines", () => {
  const long: ClassifyResult = {
    ...short,
    tokens: 900,
    aggregation: "mean",
    windows: [
      { range: r(0, 0, 10, 5), label: "POSITIVE", score: 0.9, scores: [] },
      { range: r(8, 0, 20, 0), label: "NEGATIVE", score: 0.6, scores: [] },
    ],
  };
  const texts = ["first window text", "second\nwindow"];
  let i = 0;
  const v = classifyView(long, { source: "long.txt", textOf: () => texts[i++] });
  assert.equal(v.rowsTitle, "Windows");
  assert.deepEqual(
    v.rows.map((row) => [row.where, row.text, row.label, row.target]),
    [
      ["lines 1–11", "first window text", "POSITIVE", 0],
      ["lines 9–20", "second window", "NEGATIVE", 1],
    ],
  );
  assert.equal(v.ranges.length, 2);
  assert.equal(v.barsCaption, "mean over 2 windows");
  assert.ok(v.facts.some(([k, val]) => k === "Long text" && val === "2 windows, mean of their scores"));
});

test("truncate mode reports the dropped tokens", () => {
  const v = classifyView({ ...short, mode: "truncate", droppedTokens: 222 }, { source: "x", textOf: () => "" });
  assert.ok(v.facts.some(([k, val]) => k === "Long text" && /222 tokens not seen/.test(val)));
});

test("per-line results: a count per label, tally, one row per line", () => {
  const lines: ClassifyLinesResult = {
    model: "sentiment",
    multiLabel: false,
    rows: [
      { range: r(0, 0, 0, 10), text: "Great film.", label: "POSITIVE", score: 0.9, tokens: 5, scores: [{ label: "POSITIVE", score: 0.9 }, { label: "NEGATIVE", score: 0.1 }] },
      { range: r(1, 0, 1, 10), text: "Awful plot.", label: "NEGATIVE", score: 0.8, tokens: 5, scores: [{ label: "POSITIVE", score: 0.2 }, { label: "NEGATIVE", score: 0.8 }] },
      { range: r(3, 0, 3, 10), text: "Loved it.", label: "POSITIVE", score: 0.7, tokens: 5, scores: [{ label: "POSITIVE", score: 0.7 }, { label: "NEGATIVE", score: 0.3 }] },
    ],
  };
  const v = classifyLinesView(lines, { source: "reviews.txt" });
  assert.equal(v.label, "POSITIVE");
  assert.equal(v.score.toFixed(3), "0.667");
  assert.equal(v.headline, "2 of 3 lines");
  assert.deepEqual(v.scores.map((s) => [s.label, s.count]), [["POSITIVE", 2], ["NEGATIVE", 1]]);
  assert.equal(v.barsCaption, "lines per label (the label each line scored highest)");
  assert.deepEqual(v.rows.map((x) => x.where), ["line 1", "line 2", "line 4"]);
  assert.equal(v.summary, "3 lines: POSITIVE 2 · NEGATIVE 1 · sentiment");
  assert.ok(v.facts.some(([k, val]) => k === "Tokens" && val === "15"));
});

test("tokens view counts special, unknown and truncated tokens", () => {
  const tok = (i: number, extra: object = {}) => ({ index: i, id: 100 + i, piece: `p${i}`, text: `p${i}`, range: r(0, i, 0, i + 1), special: false, unknown: false, truncated: false, ...extra });
  const v = tokensView({ model: "gpt2", tokens: [tok(0, { special: true }), tok(1, { unknown: true }), tok(2), tok(3, { truncated: true })] }, { source: "a.txt" });
  assert.deepEqual(v.facts, [
    ["Model", "gpt2"],
    ["Tokens", "4"],
    ["Special", "1"],
    ["Unknown", "1"],
    ["Past the limit", "1"],
  ]);
  assert.equal(v.ranges.length, 4);
});

test("per-line headline: the label that won most lines, ties broken by mean probability", () => {
  const row = (label: string, pos: number) => ({
    range: r(0, 0, 0, 1), text: "x", label, score: Math.max(pos, 1 - pos), tokens: 3,
    scores: [{ label: "POSITIVE", score: pos }, { label: "NEGATIVE", score: 1 - pos }],
  });
  // Two negative lines win although the positive ones are more confident.
  const v = classifyLinesView({ model: "m", multiLabel: false, rows: [row("NEGATIVE", 0.4), row("NEGATIVE", 0.45), row("POSITIVE", 0.99)] }, { source: "s" });
  assert.equal(v.label, "NEGATIVE");
  assert.equal(v.headline, "2 of 3 lines");
  assert.equal(v.summary, "3 lines: NEGATIVE 2 · POSITIVE 1 · m");
  // A tie goes to the higher mean.
  const t = classifyLinesView({ model: "m", multiLabel: false, rows: [row("NEGATIVE", 0.4), row("POSITIVE", 0.99)] }, { source: "s" });
  assert.equal(t.label, "POSITIVE");
  assert.equal(t.headline, "1 of 2 lines");
});

test("three labels: every label gets a count, also one that won no line", () => {
  const three = (label: string, neg: number, neu: number, pos: number) => ({
    range: r(0, 0, 0, 1), text: "x", label, score: Math.max(neg, neu, pos), tokens: 3,
    scores: [{ label: "NEGATIVE", score: neg }, { label: "NEUTRAL", score: neu }, { label: "POSITIVE", score: pos }],
  });
  const v = classifyLinesView({ model: "m", multiLabel: false, rows: [three("NEUTRAL", 0.2, 0.5, 0.3), three("POSITIVE", 0.1, 0.2, 0.7), three("NEUTRAL", 0.3, 0.6, 0.1)] }, { source: "s" });
  assert.deepEqual(v.scores.map((s) => [s.label, s.count]), [["NEUTRAL", 2], ["POSITIVE", 1], ["NEGATIVE", 0]]);
  assert.equal(v.summary, "3 lines: NEUTRAL 2 · POSITIVE 1 · m");
  const html = renderClassification(v, { nonce: "n", cspSource: "c" });
  assert.equal((html.match(/class="bar-row/g) ?? []).length, 3);
  assert.match(html, /<span class="bar-value">0<\/span>/);
});

test("a classification quotes its text (an excerpt) and says what the scores mean in plain words", () => {
  const result: ClassifyResult = {
    model: "sentiment", label: "NEUTRAL", score: 0.5, multiLabel: false, tokens: 9, mode: "window", aggregation: null, droppedTokens: 0, windows: [],
    scores: [{ label: "NEGATIVE", score: 0.2 }, { label: "NEUTRAL", score: 0.5 }, { label: "POSITIVE", score: 0.3 }],
  };
  const long = "word ".repeat(200) + "THE END";
  const v = classifyView(result, { source: "a.txt · whole document", textOf: () => "", text: long });
  assert.ok(v.quote && v.quote.length <= 280 && v.quote.startsWith("word word") && v.quote.endsWith("THE END") && v.quote.includes(" … "));
  assert.deepEqual(v.scores.map((s) => s.label), ["NEUTRAL", "POSITIVE", "NEGATIVE"]);
  assert.ok(v.facts.some(([k, val]) => k === "Scores" && val === "one label per text; the probabilities add up to 100%"));
  assert.ok(!v.facts.some(([, val]) => /softmax|sigmoid/.test(val)));
  const html = renderClassification({ ...v, quote: "<b>x</b>" }, { nonce: "n", cspSource: "c" });
  assert.match(html, /<blockquote class="quote" id="quote">&lt;b&gt;x&lt;\/b&gt;<\/blockquote>/);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import { CountResult, modelLabel, statusView } from "../src/lib/status";

const base: CountResult = { model: "bert-base-uncased", maxLength: 512, tokens: 412, truncated: false, segments: 1, selections: [] };

test("document count and tokenizer", () => {
  const v = statusView(base);
  assert.equal(v.text, "$(symbol-ruler) 412 tok · bert-base-uncased");
  assert.equal(v.warning, false);
  assert.match(v.tooltip, /Document: \*\*412\*\* tokens \(80% of 512\)/);
  assert.match(v.tooltip, /Click to switch tokenizer/);
});

test("one selection", () => {
  const v = statusView({ ...base, selections: [37] });
  assert.equal(v.text, "$(symbol-ruler) 412 tok · sel 37 · bert-base-uncased");
  assert.match(v.tooltip, /Selection: \*\*37\*\* tokens \(7% of 512\)/);
  assert.equal(v.ariaLabel, "412 tokens, selection 37 tokens, bert-base-uncased");
});

test("several selections are summed", () => {
  const v = statusView({ ...base, selections: [10, 20, 5] });
  assert.equal(v.text, "$(symbol-ruler) 412 tok · sel 35 in 3 · bert-base-uncased");
  assert.match(v.tooltip, /Selection 3: \*\*5\*\* tokens/);
});

test("over the limit: warning icon and colours", () => {
  const v = statusView({ ...base, tokens: 1734, truncated: true });
  assert.equal(v.text, "$(warning) 1,734 tok · bert-base-uncased");
  assert.equal(v.warning, true);
  assert.match(v.tooltip, /339% of 512/);
  assert.match(v.ariaLabel, /over the limit/);
});

test("a selection over the limit warns even if the document is split into fitting segments", () => {
  const v = statusView({ ...base, tokens: 3000, segments: 12, selections: [600] }, "paragraph");
  assert.equal(v.warning, true);
  assert.match(v.tooltip, /in 12 paragraphs \(limit 512 per paragraph\)/);
  assert.match(v.tooltip, /over the limit/);
});

test("unknown limit", () => {
  const v = statusView({ ...base, maxLength: null, selections: [3] });
  assert.equal(v.warning, false);
  assert.doesNotMatch(v.tooltip, /% of/);
});

test("model labels: local folders by name, hub ids whole, long names cut", () => {
  assert.equal(modelLabel("gpt2"), "gpt2");
  assert.equal(modelLabel("/home/me/models/my-tokenizer/"), "my-tokenizer");
  assert.equal(modelLabel("C:\\models\\tok"), "tok");
  assert.equal(modelLabel("./tok"), "tok");
  assert.equal(modelLabel("distilbert/distilbert-base-uncased"), "distilbert/distilbert-base-unca…");
  assert.equal(modelLabel("distilbert/distilbert-base-uncased").length, 32);
});

test("a model name shows its share of the context window and the input cost", () => {
  const v = statusView({ ...base, model: "gpt-4o", tokens: 12450, maxLength: 128000, contextWindow: 128000, cost: 0.031125 });
  assert.equal(v.text, "$(symbol-ruler) 12,450 tok · gpt-4o · 9.7% of 128,000 · ≈ $0.031");
  assert.match(v.tooltip, /Input cost: ≈ \$0\.031/);
});

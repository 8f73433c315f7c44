import assert from "node:assert/strict";
import { test } from "node:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MODEL_NAMES, PRESETS, customItem, isLocalPath, modelItems, pushRecent } from "../src/lib/models";

test("recent list: most recent first, no duplicates, bounded", () => {
  assert.deepEqual(pushRecent(["a", "b", "c"], "b"), ["b", "a", "c"]);
  assert.deepEqual(pushRecent(["a", "b", "c", "d", "e"], "f"), ["f", "a", "b", "c", "d"]);
  assert.deepEqual(pushRecent(["a"], "  "), ["a"]);
});

test("items: presets, model names, recent (without those), browse; the current one marked", () => {
  const items = modelItems("/models/tok", ["gpt2", "gpt-4o", "org/model"]);
  const kinds = items.map((i) => (i.kind === "separator" ? `--${i.label}` : i.kind === "model" ? i.model : i.kind));
  assert.deepEqual(kinds, [
    "--Presets", ...PRESETS.map((p) => p.id),
    "--Model names", ...MODEL_NAMES.map((p) => p.id),
    "--Recently used", "/models/tok", "org/model", "--", "browse",
  ]);
  assert.ok(kinds.includes("o200k_base") && kinds.includes("deepseek-chat") && kinds.includes("mistral-v3"));
  const current = items.filter((i) => i.kind === "model" && i.current);
  assert.equal(current.length, 1);
  const hub = items.find((i) => i.kind === "model" && i.model === "org/model");
  assert.equal(hub && hub.kind === "model" && hub.description, "Hugging Face hub");
});

test("no recent section when there is nothing but presets", () => {
  const items = modelItems("bert-base-uncased", ["gpt2"]);
  assert.ok(!items.some((i) => i.kind === "separator" && i.label === "Recently used"));
});

test("typing offers a hub id or a folder, unless it is already listed", () => {
  const items = modelItems("bert-base-uncased", []);
  assert.equal(customItem("gpt2", items), undefined);
  assert.equal(customItem("  ", items), undefined);
  const hub = customItem("google-bert/bert-base-cased", items);
  assert.equal(hub?.kind === "custom" && hub.model, "google-bert/bert-base-cased");
  assert.match(hub?.kind === "custom" ? hub.detail : "", /hub id/);
  const folder = customItem("~/tok", items);
  assert.match(folder?.kind === "custom" ? folder.detail : "", /local folder/);
  assert.ok(isLocalPath("C:\\x") && isLocalPath("/x") && isLocalPath("./x") && !isLocalPath("org/x"));
});

test("the tokls.model setting suggests the same presets and model names as the picker, and stays free text", () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8"));
  const prop = pkg.contributes.configuration.flatMap((c: { properties: object }) => Object.entries(c.properties)).find(([k]: [string]) => k === "tokls.model")[1];
  assert.deepEqual(prop.examples, [...PRESETS, ...MODEL_NAMES].map((p) => p.id));
  assert.equal(prop.type, "string");
  assert.equal(prop.enum, undefined);
});

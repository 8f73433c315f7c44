// The manifest (package.json) against the client's own tables and the protocol.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { CLIENT_DEFAULTS, SERVER_DEFAULTS } from "../src/lib/settings";

interface Prop {
  type: string | string[];
  default: unknown;
  description?: string;
  markdownDescription?: string;
  enum?: string[];
  enumDescriptions?: string[];
}

const root = join(__dirname, "..", "..");
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const props: Record<string, Prop> = Object.assign({}, ...pkg.contributes.configuration.map((c: { properties: object }) => c.properties));

test("every server and client setting is contributed as tokls.* with the same default", () => {
  const expected = { ...SERVER_DEFAULTS, ...CLIENT_DEFAULTS };
  for (const [key, def] of Object.entries(expected)) {
    const prop = props[`tokls.${key}`];
    assert.ok(prop, `tokls.${key} missing`);
    assert.deepEqual(prop.default, def, `default of tokls.${key}`);
  }
  assert.deepEqual(Object.keys(props).sort(), Object.keys(expected).map((k) => `tokls.${k}`).sort());
});

test("every setting has a type and a description, every enum value a description", () => {
  for (const [key, prop] of Object.entries(props)) {
    assert.ok(prop.type, `${key} type`);
    assert.ok((prop.description ?? prop.markdownDescription ?? "").length > 20, `${key} description`);
    if (prop.enum) {
      assert.equal(prop.enumDescriptions?.length, prop.enum.length, `${key} enumDescriptions`);
      assert.ok(prop.enum.includes(prop.default as string), `${key} default in enum`);
    }
  }
});

test("commands have titles and the tokls category; ids do not clash with server commands", () => {
  const ids = pkg.contributes.commands.map((c: { command: string }) => c.command);
  assert.deepEqual(ids.sort(), [
    "tokls.classifyLinesOfSelection",
    "tokls.classifySelection",
    "tokls.compareModels",
    "tokls.datasetReport",
    "tokls.refreshTokenCounts",
    "tokls.restartServer",
    "tokls.selectModel",
    "tokls.showOutput",
    "tokls.showTokensOfSelection",
    "tokls.toggleShowTokens",
  ]);
  for (const c of pkg.contributes.commands) {
    assert.equal(c.category, "tokls");
    assert.ok(c.title.length > 0);
  }
  for (const server of ["tokls.count", "tokls.tokens", "tokls.classify", "tokls.classifyLines", "tokls.datasetStats"]) {
    assert.ok(!ids.includes(server), server);
  }
});

test("classify commands are in the editor context menu with a selection, and Classify Selection has a key", () => {
  const menu = pkg.contributes.menus["editor/context"];
  for (const id of ["tokls.classifySelection", "tokls.classifyLinesOfSelection"]) {
    const entry = menu.find((m: { command: string }) => m.command === id);
    assert.ok(entry, id);
    assert.match(entry.when, /editorHasSelection/);
  }
  const key = pkg.contributes.keybindings.find((k: { command: string }) => k.command === "tokls.classifySelection");
  assert.ok(key?.key);
});

test("activation covers the default languages; engines match @types/vscode and the language client", () => {
  for (const lang of CLIENT_DEFAULTS.languages as string[]) {
    assert.ok(pkg.activationEvents.includes(`onLanguage:${lang}`), lang);
  }
  assert.equal(pkg.engines.vscode, `^${pkg.devDependencies["@types/vscode"]}`);
  const lc = JSON.parse(readFileSync(join(root, "node_modules", "vscode-languageclient", "package.json"), "utf8"));
  assert.equal(pkg.engines.vscode, lc.engines.vscode);
  assert.equal(pkg.main, "./out/extension.js");
});

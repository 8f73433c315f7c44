// Bundles the extension (client/src/extension.ts → out/extension.js) and, with --tests, the unit
// tests (client/test/*.test.ts → out/test/*.test.js, run by `node --test out/test/`).
//   node client/esbuild.mjs [--production] [--tests] [--watch]
import * as esbuild from "esbuild";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const args = new Set(process.argv.slice(2));
const production = args.has("--production");

const common = {
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node18",
  external: ["vscode"],
  logLevel: "warning",
  absWorkingDir: root,
};

const options = args.has("--tests")
  ? {
      ...common,
      entryPoints: readdirSync(join(here, "test"))
        .filter((f) => f.endsWith(".test.ts"))
        .map((f) => join(here, "test", f)),
      outdir: join(root, "out", "test"),
      sourcemap: "inline",
    }
  : {
      ...common,
      entryPoints: [join(here, "src", "extension.ts")],
      outfile: join(root, "out", "extension.js"),
      minify: production,
      sourcemap: !production,
      sourcesContent: false,
      metafile: true,
    };

if (args.has("--watch")) {
  const ctx = await esbuild.context(options);
  await ctx.watch();
  console.log("esbuild: watching…");
} else {
  const result = await esbuild.build(options);
  if (result.metafile) {
    const out = Object.entries(result.metafile.outputs).find(([name]) => name.endsWith("extension.js"));
    if (out) console.log(`esbuild: ${out[0]} ${(out[1].bytes / 1024).toFixed(0)} KiB${production ? " (production)" : ""}`);
  }
}

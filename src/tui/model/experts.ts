/**
 * The expert-info summary: every expert item of the capture (codec problems and analysis
 * experts), grouped by severity then by id, with a count and the first frames of each group.
 */
import type { Severity } from "../../protocol/problems.js";

export const SEVERITIES: readonly Severity[] = ["error", "warning", "note", "chat"];
const FRAMES_KEPT = 50;

export interface ExpertGroup {
  id: string;
  severity: Severity;
  category: string;
  /** Text of the first occurrence. */
  sample: string;
  count: number;
  /** First frames of the group, with the item's text. */
  frames: { frame: number; text: string }[];
}

export class ExpertTally {
  private readonly groups = new Map<string, ExpertGroup>();
  total = 0;

  add(frame: number, id: string, severity: Severity, category: string, text: string): void {
    this.total++;
    let g = this.groups.get(id);
    if (!g) {
      g = { id, severity, category, sample: text, count: 0, frames: [] };
      this.groups.set(id, g);
    }
    g.count++;
    if (g.frames.length < FRAMES_KEPT) g.frames.push({ frame, text });
  }

  /** Groups by severity (errors first), then by count. */
  bySeverity(): { severity: Severity; count: number; groups: ExpertGroup[] }[] {
    return SEVERITIES.map((severity) => {
      const groups = [...this.groups.values()].filter((g) => g.severity === severity).sort((a, b) => b.count - a.count);
      return { severity, count: groups.reduce((n, g) => n + g.count, 0), groups };
    }).filter((s) => s.groups.length > 0);
  }
}

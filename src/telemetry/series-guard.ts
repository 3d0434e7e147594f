/**
 * Label values that come from telemetry (a UPS's name, a site, a queue) before they become metric
 * labels: a value that reads as a phone number or an e-mail address is masked as in the logs, and
 * at most `max` distinct label sets are admitted, so a sender cannot grow /metrics without bound.
 */
import { redactText } from './logger.js';

export class SeriesGuard {
  private readonly admitted = new Set<string>();
  private warned = false;

  constructor(
    private readonly max: number,
    /** Told once, the first time a new label set is turned away. */
    private readonly onFull: (max: number) => void,
  ) {}

  /** The label values to use (masked where need be), or undefined when the set is new and there is no room. */
  admit<T extends Record<string, string>>(labels: T): T | undefined {
    const out = {} as Record<string, string>;
    for (const [k, v] of Object.entries(labels)) out[k] = redactText(v);
    const key = JSON.stringify(out);
    if (!this.admitted.has(key)) {
      if (this.admitted.size >= this.max) {
        if (!this.warned) {
          this.warned = true;
          this.onFull(this.max);
        }
        return undefined;
      }
      this.admitted.add(key);
    }
    return out as T;
  }
}

/** What the UPS evaluation finds, one condition of one device, before it becomes an event. */
import type { SourcesConfig } from '../config/schema.js';

export type UpsConfig = SourcesConfig['ups'];

export interface UpsFinding {
  readonly member: string;
  readonly class: string;
  readonly level: number;
  readonly status: 'firing' | 'resolved';
  /** Names the condition in labels.kind and in the event key. */
  readonly kind: string;
  /**
   * What brought the condition about (`lb`, `runtime`, `fsd`… sorted, `+`-joined), in the event key:
   * a new cause at the same level is news, the same cause again a duplicate.
   */
  readonly cause?: string | undefined;
  readonly summary: string;
  readonly holdMs?: number | undefined;
  /** Labels beyond device and kind (the power member's `discharge: deep`). */
  readonly labels?: Readonly<Record<string, string>> | undefined;
}

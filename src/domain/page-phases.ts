/**
 * The phases that page a person about an incident: its first page, an escalation, a level raised
 * (not an update, an all-clear or a reminder). Their failures are followed up, one of them cancelled
 * at the daily cap is worth bringing back, they carry the class's advice, an e-mail goes beside them
 * from daemon.yaml escalation.emailFromLevel up, and they say who was paged.
 */
import type { Phase } from './ports.js';

export const PAGE_PHASES: ReadonlySet<string> = new Set<Phase>(['page', 'escalation', 'level_raised']);

/** Whether a message of this phase pages a person about an incident (see PAGE_PHASES). */
export function isPagePhase(phase: string | undefined): boolean {
  return phase !== undefined && PAGE_PHASES.has(phase);
}

/**
 * The messages a daemon in log mode actually sent: one pino line "page not sent (channel not
 * configured)" per message (a bundle is one message). The ground truth for "none twice".
 */
import { readFileSync } from 'node:fs';

export interface LoggedPage {
  readonly notificationId: string;
  readonly incidentId: string;
  readonly tier: number;
  readonly phase: string;
  readonly person: string;
  readonly channel: string;
  /** Epoch ms the line was written. */
  readonly time: number;
}

const MESSAGE = 'page not sent (channel not configured)';

export function readPageLog(file: string): LoggedPage[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: LoggedPage[] = [];
  for (const line of text.split('\n')) {
    if (!line.includes(MESSAGE)) continue;
    try {
      const l = JSON.parse(line) as Record<string, unknown>;
      if (l.msg !== MESSAGE) continue;
      out.push({
        notificationId: String(l.notificationId),
        incidentId: String(l.incidentId),
        tier: Number(l.tier),
        phase: String(l.phase),
        person: String(l.person),
        channel: String(l.channel),
        time: typeof l.time === 'number' ? l.time : Date.parse(String(l.time)),
      });
    } catch {
      /* a line cut short at shutdown */
    }
  }
  return out;
}

/** (incident, step, person, channel) of a notification id `<incident>:<step>:<person>:<channel>:<attempt>`. */
export function pageTuple(notificationId: string): string {
  const i = notificationId.lastIndexOf(':');
  return i < 0 ? notificationId : notificationId.slice(0, i);
}

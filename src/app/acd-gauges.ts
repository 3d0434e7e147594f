/** A queue's ACD figures into the ACD gauges (calls waiting, longest wait, service level, agents logged in). */
import type { AcdMetrics } from '../domain/acd.js';
import type { TelemetryFigure, TelemetryMirror } from './telemetry-mirror.js';

/** Mirrors the figures a report gives (as far as the guard lets new queues in); those it leaves out keep their last value. */
export function mirrorAcd(telemetry: Pick<TelemetryMirror, 'record'>, site: string, queue: string, m: AcdMetrics): Promise<void> {
  const figures: TelemetryFigure[] = [];
  if (m.calls_waiting !== undefined) figures.push({ gauge: 'acdCallsWaiting', value: m.calls_waiting });
  if (m.longest_wait_seconds !== undefined) figures.push({ gauge: 'acdLongestWait', value: m.longest_wait_seconds });
  if (m.service_level !== undefined) figures.push({ gauge: 'acdServiceLevel', value: m.service_level });
  if (m.agents_logged_in !== undefined) figures.push({ gauge: 'acdAgentsLoggedIn', value: m.agents_logged_in });
  return telemetry.record('acd', { site, queue }, figures);
}

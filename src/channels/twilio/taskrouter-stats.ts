/**
 * The TaskRouter REST API through the real twilio SDK, read-only: a workspace's TaskQueues and a queue's
 * RealTimeStatistics (TWILIO_API_URL moves it like Messages and Calls). Every failure becomes a
 * TaskRouterApiError that says why (auth, not found, rate limited, Twilio 5xx, timeout, network).
 */
import { TaskRouterApiError, type TaskQueueRef, type TaskQueueStatsSource, type TaskQueueWorkers, type TaskRouterFailure } from '../../domain/taskrouter-agents.js';
import { createTwilioClient, type TwilioClient } from './client.js';

export interface TaskRouterApiSettings {
  readonly accountSid: string;
  readonly authToken: string;
  /** Base URL of the REST API (`https://api.twilio.com` or a Twilio-compatible server). */
  readonly apiUrl: string;
}

export class TwilioTaskQueueStats implements TaskQueueStatsSource {
  private readonly client: TwilioClient;

  /** `timeoutMs`: per request (sources.yaml taskrouter.timeout). */
  constructor(settings: TaskRouterApiSettings, options: { readonly timeoutMs: number }) {
    this.client = createTwilioClient({ ...settings, from: '' }, { timeoutMs: options.timeoutMs });
  }

  async queues(workspace: string): Promise<TaskQueueRef[]> {
    try {
      const list = await this.client.taskrouter.v1.workspaces(workspace).taskQueues.list();
      return list.map((q) => ({ sid: q.sid, name: q.friendlyName ?? '' }));
    } catch (e) {
      throw apiError(e);
    }
  }

  async workers(workspace: string, queueSid: string): Promise<TaskQueueWorkers> {
    try {
      const s = await this.client.taskrouter.v1.workspaces(workspace).taskQueues(queueSid).realTimeStatistics().fetch();
      return {
        eligible: count(s.totalEligibleWorkers),
        available: count(s.totalAvailableWorkers),
        activities: (Array.isArray(s.activityStatistics) ? (s.activityStatistics as unknown[]) : []).flatMap((a) => {
          const o = (typeof a === 'object' && a !== null ? a : {}) as { friendly_name?: unknown; workers?: unknown };
          const workers = count(o.workers);
          return typeof o.friendly_name === 'string' && workers !== undefined ? [{ name: o.friendly_name, workers }] : [];
        }),
      };
    } catch (e) {
      throw apiError(e);
    }
  }
}

function count(v: unknown): number | undefined {
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : undefined;
}

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

/** Anything the SDK threw → TaskRouterApiError, by HTTP status, Twilio code and network error code. */
export function apiError(e: unknown): TaskRouterApiError {
  if (e instanceof TaskRouterApiError) return e;
  const o = (typeof e === 'object' && e !== null ? e : {}) as { status?: unknown; code?: unknown; response?: { status?: unknown } };
  const status = typeof o.status === 'number' ? o.status : typeof o.response?.status === 'number' ? o.response.status : undefined;
  const code = typeof o.code === 'number' || typeof o.code === 'string' ? o.code : undefined;
  let reason: TaskRouterFailure;
  if (status === 401 || status === 403 || code === 20003) reason = 'auth';
  else if (status === 404) reason = 'not_found';
  else if (status === 429) reason = 'rate_limited';
  else if (status !== undefined && status >= 500) reason = 'server';
  else if (status !== undefined && status >= 400) reason = 'client';
  else if (typeof code === 'string' && TIMEOUT_CODES.has(code)) reason = 'timeout';
  else if (typeof code === 'string') reason = 'network';
  else reason = 'other';
  return new TaskRouterApiError(reason, status, code, { cause: e });
}

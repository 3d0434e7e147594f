/**
 * TwilioTaskQueueStats: the TaskRouter API through the real twilio SDK, against the Twilio-compatible
 * server on loopback. The figures it reads, and every kind of failure told apart (timeout included).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { apiError, TwilioTaskQueueStats } from '../../src/channels/twilio/taskrouter-stats.js';
import { TaskRouterApiError } from '../../src/domain/taskrouter-agents.js';
import { FakeTwilio } from '../support/fake-twilio.js';

const SID = `AC${'8'.repeat(32)}`;
const TOKEN = 'taskrouter_stats_token';
const WS = `WS${'c'.repeat(32)}`;
const WQ = `WQ${'d'.repeat(32)}`;

let fake: FakeTwilio;
beforeEach(async () => {
  fake = await new FakeTwilio({ accountSid: SID, authToken: TOKEN }).start();
  fake.setTaskQueues(WS, [{ sid: WQ, friendlyName: 'Sales', eligible: 20, available: 3, activities: { Offline: 12, Available: 3, Busy: 5 } }]);
});
afterEach(async () => {
  await fake.stop();
});

const stats = (timeoutMs = 5000, token = TOKEN) => new TwilioTaskQueueStats({ accountSid: SID, authToken: token, apiUrl: fake.url }, { timeoutMs });
const failure = async (p: Promise<unknown>) => {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TaskRouterApiError);
  return e as TaskRouterApiError;
};

describe('TwilioTaskQueueStats', () => {
  it("lists a workspace's queues and reads a queue's workers as the SDK parses Twilio's JSON", async () => {
    expect(await stats().queues(WS)).toEqual([{ sid: WQ, name: 'Sales' }]);
    expect(await stats().workers(WS, WQ)).toEqual({
      eligible: 20,
      available: 3,
      activities: [
        { name: 'Offline', workers: 12 },
        { name: 'Available', workers: 3 },
        { name: 'Busy', workers: 5 },
      ],
    });
    expect(fake.taskRouter().map((r) => r.url.split('?')[0])).toEqual([`/taskrouter.twilio.com/v1/Workspaces/${WS}/TaskQueues`, `/taskrouter.twilio.com/v1/Workspaces/${WS}/TaskQueues/${WQ}/RealTimeStatistics`]);
  });

  it('tells every failure apart: auth, not found, rate limited, 5xx, a reset connection, a timeout', async () => {
    expect(await failure(stats(undefined, 'wrong').queues(WS))).toMatchObject({ reason: 'auth', status: 401, code: 20003 });
    expect(await failure(stats().queues(`WS${'e'.repeat(32)}`))).toMatchObject({ reason: 'not_found', status: 404 });
    fake.failNext(1, { status: 429 });
    expect(await failure(stats().queues(WS))).toMatchObject({ reason: 'rate_limited', status: 429 });
    fake.failNext(1, { status: 503, code: 20503 });
    expect(await failure(stats().workers(WS, WQ))).toMatchObject({ reason: 'server', status: 503, code: 20503 });
    fake.failNext(1, { reset: true });
    expect(await failure(stats().workers(WS, WQ))).toMatchObject({ reason: 'network' });
    fake.failNext(1, { hang: true });
    expect(await failure(stats(200).queues(WS))).toMatchObject({ reason: 'timeout' });
  });

  it('anything else thrown is other, never a crash', () => {
    expect(apiError(new Error('boom'))).toMatchObject({ reason: 'other', status: undefined });
    expect(apiError(undefined)).toMatchObject({ reason: 'other' });
  });
});

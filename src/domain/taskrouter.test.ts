import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/load-config.js';
import { parseTaskRouterEvent, queueAcdInput, taskRouterSite } from './taskrouter.js';

const cfg = loadConfig('config').sources.taskrouter;
const fixtures = JSON.parse(readFileSync(new URL('../../../shared/fixtures/twilio/webhook-taskRouterEventCallbacks.json', import.meta.url), 'utf8')) as Record<string, { params: Record<string, string> }>;
const params = (name: string) => {
  const f = fixtures[name];
  if (!f) throw new Error(`no fixture ${name}`);
  return f.params;
};

describe('parseTaskRouterEvent (shared fixtures)', () => {
  it('task-queue.entered: the task waits in the named queue', () => {
    expect(parseTaskRouterEvent(params('task-queue.entered'), cfg)).toEqual({
      kind: 'task',
      workspace: 'WSdddddddddddddddddddddddddddddddd',
      eventType: 'task-queue.entered',
      taskSid: 'WTffffffffffffffffffffffffffffffff',
      queueSid: 'WQeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee',
      queueName: 'On-call',
      waiting: true,
      ageSeconds: 0,
    });
  });
  it('task.created: pending, but in no queue yet', () => {
    expect(parseTaskRouterEvent(params('task.created'), cfg)).toMatchObject({ kind: 'task', waiting: true, queueSid: undefined });
  });
  it('reservation.accepted, task.wrapup, task.canceled: the task no longer waits', () => {
    for (const name of ['reservation.accepted', 'task.wrapup', 'task.canceled']) {
      expect(parseTaskRouterEvent(params(name), cfg)).toMatchObject({ kind: 'task', waiting: false });
    }
    expect(parseTaskRouterEvent(params('task.canceled'), cfg)).toMatchObject({ ageSeconds: 100 });
  });
  it('worker.activity.update: availability follows the configured activities', () => {
    expect(parseTaskRouterEvent(params('worker.activity.update'), cfg)).toEqual({
      kind: 'worker',
      workspace: 'WSdddddddddddddddddddddddddddddddd',
      eventType: 'worker.activity.update',
      workerSid: 'WK88888888888888888888888888888888',
      available: false,
    });
    expect(parseTaskRouterEvent({ ...params('worker.activity.update'), WorkerActivityName: 'available' }, cfg)).toMatchObject({ available: true });
  });
  it('task.updated follows TaskAssignmentStatus; unknown events are "other"', () => {
    const base = params('task.created');
    expect(parseTaskRouterEvent({ ...base, EventType: 'task.updated', TaskAssignmentStatus: 'reserved' }, cfg)).toMatchObject({ waiting: true });
    expect(parseTaskRouterEvent({ ...base, EventType: 'task.updated', TaskAssignmentStatus: 'assigned' }, cfg)).toMatchObject({ waiting: false });
    expect(parseTaskRouterEvent({ EventType: 'workflow.entered', WorkspaceSid: 'WS1' }, cfg)).toEqual({ kind: 'other', workspace: 'WS1', eventType: 'workflow.entered' });
  });
  it('a repeated form field takes its first value; a junk TaskAge counts as 0', () => {
    expect(parseTaskRouterEvent({ ...params('task-queue.entered'), TaskAge: 'soon', EventType: ['task-queue.entered', 'x'] }, cfg)).toMatchObject({ kind: 'task', ageSeconds: 0 });
  });
});

describe('queueAcdInput', () => {
  it('turns a queue into ACD figures: waiting, longest wait from the oldest task, available workers', () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    const input = queueAcdInput({ workspace: 'WS1', queueSid: 'WQ1', queueName: 'On-call', waiting: 3, oldestCreatedAt: now - 200_000, availableWorkers: 2 }, cfg, now);
    expect(input).toMatchObject({ site: 'default', queue: 'On-call', source: 'taskrouter', metrics: { calls_waiting: 3, longest_wait_seconds: 200, agents_available: 2 } });
    expect(queueAcdInput({ workspace: 'WS1', queueSid: 'WQ1', queueName: undefined, waiting: 0, oldestCreatedAt: undefined, availableWorkers: 0 }, cfg, now)).toMatchObject({ queue: 'WQ1', metrics: { calls_waiting: 0, longest_wait_seconds: 0 } });
  });
  it('maps the workspace to a site through config', () => {
    expect(taskRouterSite('WSx', { ...cfg, sites: { WSx: 'hq' } })).toBe('hq');
    expect(taskRouterSite('WSy', cfg)).toBe('default');
  });
});

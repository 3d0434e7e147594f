import { describe, expect, it } from 'vitest';
import { allowedMethods } from './allowed-methods.js';
import { ROUTES } from './route-table.js';

describe('allowedMethods (from the route table, not express internals)', () => {
  it('gives the methods of every route whose pattern matches, HEAD with GET, sorted', () => {
    expect(allowedMethods('/api/incidents')).toEqual(['GET', 'HEAD', 'POST']);
    expect(allowedMethods('/api/incidents/01K0000000000000000000000')).toEqual(['GET', 'HEAD']);
    expect(allowedMethods('/api/incidents/01K0000000000000000000000/resolve')).toEqual(['POST']);
    expect(allowedMethods('/api/overrides/ov-1')).toEqual(['DELETE', 'GET', 'HEAD']);
    expect(allowedMethods('/webhooks/taskrouter')).toEqual(['POST']);
    expect(allowedMethods('/twilio/taskrouter-events')).toEqual(['POST']);
    expect(allowedMethods('/twilio/voice/gather')).toEqual(['POST']);
    expect(allowedMethods('/resolve/tok.en')).toEqual(['GET', 'HEAD', 'POST']);
  });

  it('matches as express does: a parameter is one non-empty segment; literal segments ignore case; a trailing slash is allowed', () => {
    expect(allowedMethods('/api/incidents/')).toEqual(['GET', 'HEAD', 'POST']);
    expect(allowedMethods('/API/Incidents')).toEqual(['GET', 'HEAD', 'POST']);
    expect(allowedMethods('/api/incidents/a/b')).toEqual([]);
    expect(allowedMethods('/ack/')).toEqual([]);
    expect(allowedMethods('/api/nothing-here')).toEqual([]);
    expect(allowedMethods('/')).toEqual([]);
    expect(allowedMethods('')).toEqual([]);
  });

  it('refuses a parameter that is not valid percent-encoding as malformed', () => {
    expect(() => allowedMethods('/api/incidents/%E0%A4%A')).toThrow(expect.objectContaining({ code: 'TOCSIN_ERR_INPUT_MALFORMED' }));
    expect(allowedMethods('/api/incidents/%41')).toEqual(['GET', 'HEAD']);
  });

  it('reads only the table it is given', () => {
    expect(allowedMethods('/x/1', [{ path: '/x/:y', methods: ['DELETE', 'GET'] }])).toEqual(['DELETE', 'GET', 'HEAD']);
    expect(new Set(ROUTES.map((r) => r.path)).size).toBe(ROUTES.length);
  });
});

import { describe, expect, it } from 'vitest';
import { agentsMember, agentsMemberQueue, seatMember, surgeMember } from './acd-members.js';

describe('ACD members', () => {
  it('ordinary sites and queues keep the members they always had', () => {
    expect(surgeMember('hq', 'main', 'calls_waiting')).toBe('acd:hq:main:surge:calls_waiting');
    expect(agentsMember('hq', 'main')).toBe('acd:hq:main:agents');
    expect(seatMember('hq', 'A12')).toBe('acd:hq:seat:A12');
    expect(seatMember('hq', 'x:agents')).toBe('acd:hq:seat:x:agents');
    expect(agentsMember('call centre 2', 'Sales VIP')).toBe('acd:call centre 2:Sales VIP:agents');
  });

  it("a queue named 'seat' and names with ':' or '%' cannot pass for a seat or for each other", () => {
    expect(agentsMember('hq', 'seat')).toBe('acd:hq:%73eat:agents');
    expect(agentsMember('hq', 'seat')).not.toBe(seatMember('hq', 'agents'));
    expect(surgeMember('hq', 'seat', 'calls_waiting')).not.toBe(seatMember('hq', 'surge:calls_waiting'));
    expect(agentsMember('hq:seat', 'x')).toBe('acd:hq%3Aseat:x:agents');
    expect(agentsMember('hq:seat', 'x')).not.toBe(seatMember('hq', 'x:agents'));
    expect(agentsMember('hq', 'seat:x')).toBe('acd:hq:seat%3Ax:agents');
    expect(agentsMember('hq', 'seat:x')).not.toBe(seatMember('hq', 'x:agents'));
    // the escape itself is escaped: a queue literally called "%73eat" is not the queue "seat"
    expect(agentsMember('hq', '%73eat')).toBe('acd:hq:%2573eat:agents');
  });

  it("reads a queue's agents member back, escaped or made before the escaping; never a seat's", () => {
    expect(agentsMemberQueue('acd:hq:main:agents', 'hq')).toBe('main');
    for (const [site, queue] of [['hq', 'seat'], ['hq:seat', 'x'], ['hq', 'seat:x'], ['hq', '%73eat'], ['50%', 'a:b']] as const) {
      expect(agentsMemberQueue(agentsMember(site, queue), site)).toBe(queue);
    }
    expect(agentsMemberQueue('acd:hq:sales:vip:agents', 'hq')).toBe('sales:vip'); // a queue with a colon, before the escaping
    expect(agentsMemberQueue('acd:hq:seat:x:agents', 'hq:seat')).toBe('x'); // a site with a colon, before the escaping
    expect(agentsMemberQueue(seatMember('hq', 'agents'), 'hq')).toBeUndefined();
    expect(agentsMemberQueue(seatMember('hq', 'x:agents'), 'hq')).toBeUndefined();
    expect(agentsMemberQueue(surgeMember('hq', 'main', 'calls_waiting'), 'hq')).toBeUndefined();
    expect(agentsMemberQueue('acd:hq:main:agents', 'bh1')).toBeUndefined();
  });
});

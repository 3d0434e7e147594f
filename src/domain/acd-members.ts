/**
 * The members of ACD incidents, and reading them back. Pure.
 *
 *   acd:<site>:<queue>:surge:<figure>   a queue's surge figure
 *   acd:<site>:<queue>:agents           a queue's agents check
 *   acd:<site>:seat:<seat>              a seat
 *
 * A queue named `seat` would make its members a seat's (`acd:hq:seat:agents` is also the seat called
 * "agents"), and a colon in a site or queue name shifts the parts (site `hq:seat`, queue `x` is site
 * `hq`, seat `x:agents`). So the site and queue parts are escaped, only where they need it: `%` and `:`
 * become `%25` and `%3A`, and a queue part that would read `seat` is `%73eat`. Every other name (no
 * colon, no percent sign, not the queue `seat`) is its member as it always was, so open incidents keep
 * their members.
 */

/** The site or queue part of a member: `%` and `:` escaped, the rest as it is. */
function part(name: string): string {
  return name.replace(/%/g, '%25').replace(/:/g, '%3A');
}

function queuePart(queue: string): string {
  const p = part(queue);
  return p === 'seat' ? '%73eat' : p;
}

export function surgeMember(site: string, queue: string, figure: string): string {
  return `acd:${part(site)}:${queuePart(queue)}:surge:${figure}`;
}

export function agentsMember(site: string, queue: string): string {
  return `acd:${part(site)}:${queuePart(queue)}:agents`;
}

export function seatMember(site: string, seat: string): string {
  return `acd:${part(site)}:seat:${seat}`;
}

/**
 * The queue of `site`'s agents member, or undefined for any other member (a seat's among them). A
 * member made before the escaping (a queue with a colon) is still read, as it was then.
 */
export function agentsMemberQueue(member: string, site: string): string | undefined {
  // a site with a colon or a percent sign: its members made before the escaping had it as it is
  const head = [`acd:${part(site)}:`, `acd:${site}:`].find((h) => member.startsWith(h));
  if (head === undefined || !member.endsWith(':agents')) return undefined;
  const p = member.slice(head.length, -':agents'.length);
  // acd:<site>:seat:<seat> is a seat's, whatever the seat is called
  if (p === '' || p === 'seat' || p.startsWith('seat:')) return undefined;
  return unescapePart(p);
}

function unescapePart(p: string): string {
  return p.replace(/%(25|3A|73)/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The daemon's secret, shared by every replica: it signs the e-mail action links and keys the tags
 * that tell masked metric labels apart. TOCSIN_LINK_SECRET, else one derived from the Twilio auth
 * token, else one kept in Redis (made by the first daemon); a per-process one only while Redis is down.
 */
import { createHmac } from 'node:crypto';
import { deriveLinkSecret } from '../app/action-links.js';
import { makeOwnerId } from '../app/run-escalations.js';
import { makeKeys } from '../store/keys.js';
import { sharedLinkSecret } from '../store/link-secret.js';
import type { DaemonCore } from './daemon-core.js';

export async function resolveLinkSecret(core: DaemonCore): Promise<string> {
  const { env, redis, logger } = core;
  const given = env.linkSecret ?? deriveLinkSecret(env.twilioAuthToken);
  if (given) return given;
  try {
    return await sharedLinkSecret(redis, makeKeys(env.redisPrefix, 'live'));
  } catch (e) {
    logger.warn({ err: e }, 'no shared link secret (Redis down); links signed and metric label tags keyed with a per-process secret');
    return makeOwnerId() + makeOwnerId();
  }
}

/** The key of the masked metric labels' tags, apart from the links' own. */
export function labelTagKey(secret: string): string {
  return createHmac('sha256', secret).update('tocsin metric label tags').digest('base64url');
}

/** The webhooks tocsin serves: the only request paths that become metric labels as they are. */
export const WEBHOOK_PATHS: readonly string[] = ['/webhooks/alertmanager', '/webhooks/ups', '/webhooks/acd', '/webhooks/taskrouter'];

/** The source a webhook path stands for (`alertmanager`, …), or undefined for any other path. */
export function webhookSource(path: string): string | undefined {
  return WEBHOOK_PATHS.includes(path) ? path.slice('/webhooks/'.length) : undefined;
}

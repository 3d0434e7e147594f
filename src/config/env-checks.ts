/**
 * The environment read against the configuration, at start-up: Twilio's account and token without
 * TWILIO_FROM are refused unless the TaskRouter agents poll uses them, and PUBLIC_URL left to its
 * default while a provider needs to reach the daemon is warned of.
 */
import type { Env } from './env.js';
import type { SourcesConfig } from './schema.js';

export interface EnvWarning {
  /** The variable to set. */
  readonly variable: string;
  readonly message: string;
}

export interface EnvFindings {
  /** Lines of an EnvError: start-up refuses them. */
  readonly problems: readonly string[];
  readonly warnings: readonly EnvWarning[];
}

type EnvPart = Pick<Env, 'twilio' | 'twilioApi' | 'twilioAuthToken' | 'smtpUrl' | 'publicUrl' | 'publicUrlSet'>;

export function checkEnvWithConfig(env: EnvPart, sources: Pick<SourcesConfig, 'taskrouter'>): EnvFindings {
  const problems: string[] = [];
  const warnings: EnvWarning[] = [];
  const tr = sources.taskrouter;
  const polls = Object.keys(tr.sites).length > 0 && tr.agentsPoll > 0;
  if (!env.twilio && env.twilioApi && !polls) {
    problems.push(
      'TWILIO_FROM is not set, while TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are: SMS and calls need all three (the account and token alone serve only the TaskRouter agents poll, which sources.yaml does not run: no workspace in taskrouter.sites, or taskrouter.agentsPoll 0)',
    );
  }
  if (!env.publicUrlSet && env.twilioAuthToken) {
    warnings.push({
      variable: 'PUBLIC_URL',
      message: `PUBLIC_URL is not set: Twilio's callbacks (delivery status, key presses, replies) are addressed to ${env.publicUrl}, which Twilio cannot reach, and their signatures are checked against it; set PUBLIC_URL to the address Twilio reaches the daemon at`,
    });
  }
  if (!env.publicUrlSet && env.smtpUrl) {
    warnings.push({ variable: 'PUBLIC_URL', message: `PUBLIC_URL is not set: the acknowledge and resolve links in e-mails point at ${env.publicUrl}, which the people paged cannot open; set PUBLIC_URL to the address they reach the daemon at` });
  }
  return { problems, warnings };
}

/**
 * A failure to listen that HOST explains, as a line of `invalid environment:`: a host name that does
 * not resolve (ENOTFOUND), or an address that is none of this machine's (EADDRNOTAVAIL). Undefined
 * for any other failure (a port in use, a DNS server not answering), which is not the variable's fault.
 */
export function listenProblem(err: unknown, host: string): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'ENOTFOUND') return `HOST names no address: "${host}" does not resolve (getaddrinfo ENOTFOUND); set HOST to an address of this machine, or 0.0.0.0 for all of them`;
  if (code === 'EADDRNOTAVAIL') return `HOST is no address of this machine: cannot listen on "${host}" (EADDRNOTAVAIL); set HOST to one of its addresses, or 0.0.0.0 for all of them`;
  return undefined;
}

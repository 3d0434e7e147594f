/**
 * A client for NUT's upsd over its line-based TCP protocol (default port 3493): one connection,
 * one request at a time. `LIST VAR` replies that are `ERR …` (DRIVER-NOT-CONNECTED, DATA-STALE,
 * UNKNOWN-UPS) come back as results; a connection that fails or a reply that makes no sense throws.
 */
import { Socket } from 'node:net';
import { TocsinError } from '../domain/errors.js';
import { parseErr, parseListVar, quoteWord, type ListVarResult } from './upsd-protocol.js';

export interface UpsdAddress {
  readonly host: string;
  readonly port: number;
}

/** `HOST:PORT`, `HOST` (port 3493) or `[v6]:PORT`. */
export function parseUpsdAddress(text: string): UpsdAddress | undefined {
  const m = /^(?:\[([^\]]+)\]|([^:\s]+))(?::(\d{1,5}))?$/.exec(text.trim());
  if (!m) return undefined;
  const port = m[3] === undefined ? 3493 : Number(m[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: m[1] ?? m[2] ?? '', port };
}

type Collect = (lines: readonly string[]) => boolean;

interface Pending {
  readonly done: Collect;
  readonly resolve: (lines: string[]) => void;
  readonly reject: (e: Error) => void;
}

export class UpsdClient {
  private buffer = '';
  private lines: string[] = [];
  private pending: Pending | undefined;
  private closed = false;

  private constructor(
    private readonly socket: Socket,
    private readonly address: UpsdAddress,
    private readonly timeoutMs: number,
  ) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.onData(chunk));
    socket.on('error', (e) => this.fail(this.unavailable('connection error', e)));
    socket.on('close', () => {
      this.closed = true;
      this.fail(this.unavailable('connection closed by upsd'));
    });
  }

  static async connect(address: UpsdAddress, options: { timeoutMs?: number } = {}): Promise<UpsdClient> {
    const timeoutMs = options.timeoutMs ?? 5_000;
    const socket = new Socket();
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new TocsinError('TOCSIN_ERR_NUT_UNAVAILABLE', `cannot connect to upsd at ${address.host}:${address.port}: ${e.message}`, { cause: e, details: { ...address } }));
      };
      const timer = setTimeout(() => onError(new Error(`timed out after ${timeoutMs} ms`)), timeoutMs);
      socket.once('error', onError);
      socket.connect(address.port, address.host, () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve();
      });
    });
    return new UpsdClient(socket, address, timeoutMs);
  }

  /** `VER`: the server's version line. */
  async version(): Promise<string> {
    const [line] = await this.request('VER', (l) => l.length >= 1);
    return line ?? '';
  }

  /** `LIST VAR <ups>`: every variable as upsd has it (strings), or the upsd error code. */
  async listVars(ups: string): Promise<ListVarResult> {
    const lines = await this.request(`LIST VAR ${quoteWord(ups)}`, (l) => parseListVar(l, ups) !== undefined);
    const result = parseListVar(lines, ups);
    if (result === undefined) throw new TocsinError('TOCSIN_ERR_NUT_PROTOCOL', 'incomplete LIST VAR reply');
    if (!result.ok && result.error.startsWith('PROTOCOL:')) throw new TocsinError('TOCSIN_ERR_NUT_PROTOCOL', result.error, { details: { ups } });
    return result;
  }

  /** `LOGOUT`, then closes the connection. Never throws. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.request('LOGOUT', (l) => l.length >= 1);
    } catch {
      // the connection is going away anyway
    } finally {
      this.closed = true;
      this.socket.destroy();
    }
  }

  private request(line: string, done: Collect): Promise<string[]> {
    if (this.closed) return Promise.reject(this.unavailable('connection closed'));
    if (this.pending !== undefined) return Promise.reject(new TocsinError('TOCSIN_ERR_INTERNAL', 'upsd request while another is pending'));
    return new Promise<string[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.fail(this.unavailable(`no reply to "${line.split(' ')[0] ?? line}" within ${this.timeoutMs} ms`));
        this.socket.destroy();
      }, this.timeoutMs);
      this.lines = [];
      this.pending = {
        done,
        resolve: (l) => {
          clearTimeout(timer);
          resolve(l);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      this.socket.write(`${line}\n`);
    });
  }

  private onData(chunk: string): void {
    this.buffer += chunk;
    let nl: number;
    while ((nl = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, nl).replace(/\r$/, '');
      this.buffer = this.buffer.slice(nl + 1);
      this.lines.push(line);
      const p = this.pending;
      if (p === undefined) continue;
      // A lone ERR line answers any request.
      if (this.lines.length === 1 && parseErr(line) !== undefined && !p.done(this.lines)) {
        this.finish(p, this.lines);
      } else if (p.done(this.lines)) {
        this.finish(p, this.lines);
      }
    }
  }

  private finish(p: Pending, lines: string[]): void {
    this.pending = undefined;
    this.lines = [];
    p.resolve(lines);
  }

  private fail(e: Error): void {
    const p = this.pending;
    this.pending = undefined;
    p?.reject(e);
  }

  private unavailable(what: string, cause?: unknown): TocsinError {
    return new TocsinError('TOCSIN_ERR_NUT_UNAVAILABLE', `upsd ${this.address.host}:${this.address.port}: ${what}`, { cause, details: { ...this.address } });
  }
}

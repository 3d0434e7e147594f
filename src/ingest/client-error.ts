/**
 * Requests node:http cannot parse (broken chunking, conflicting lengths, headers past the limit)
 * never reach a route: Node answers them with a bare status line. This answers them as every
 * other refusal is answered — a status, and a JSON `{"error":{"code","message"}}` body — then closes.
 */
import type { Duplex } from 'node:stream';

export function answerClientError(err: Error & { code?: string }, socket: Duplex): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  const body = JSON.stringify({
    error: tooLarge
      ? { code: 'TOCSIN_ERR_INPUT_TOO_LARGE', message: 'request line and headers larger than the server accepts' }
      : { code: 'TOCSIN_ERR_INPUT_MALFORMED', message: 'not a well-formed HTTP request' },
  });
  socket.end(`HTTP/1.1 ${status}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

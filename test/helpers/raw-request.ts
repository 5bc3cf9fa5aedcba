import { Agent, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';

export interface RawRequest {
  method: string;
  /** Path and query, already encoded. */
  path: string;
  /** An array value is sent as that many header lines (a repeated header). */
  headers?: Record<string, string | string[]>;
  /** Sent as is; an object is sent as JSON. */
  body?: string | object;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON when the answer is JSON, else the text; an event stream is cut after its headers. */
  body: any;
}

export type RawSender = (req: RawRequest) => Promise<RawResponse>;

/**
 * A sender that writes exactly what it is given (repeated and odd headers, bodies that are not
 * JSON) to the app's loopback port, unlike supertest, and that hangs up on an event stream once
 * its status is known, so streaming routes can be called like any other.
 */
export function rawSender(app: INestApplication): RawSender {
  const { port } = (app.getHttpServer() as { address(): AddressInfo }).address();
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  return (req) =>
    new Promise<RawResponse>((resolve, reject) => {
      const payload = req.body === undefined ? undefined : typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
      const headers: Record<string, string | string[]> = { ...req.headers };
      if (payload !== undefined) {
        if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
        headers['content-length'] = String(Buffer.byteLength(payload));
      }
      const outgoing = request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers, agent }, (res) => {
        const status = res.statusCode ?? 0;
        const type = String(res.headers['content-type'] ?? '');
        if (type.startsWith('text/event-stream')) {
          res.destroy();
          resolve({ status, headers: res.headers, body: undefined });
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: unknown = text;
          if (type.includes('json') && text) {
            try {
              body = JSON.parse(text);
            } catch {
              body = text;
            }
          }
          resolve({ status, headers: res.headers, body });
        });
      });
      outgoing.on('error', reject);
      outgoing.end(payload);
    });
}

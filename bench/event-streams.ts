import { ClientRequest, request } from 'node:http';
import { env } from './environment';
import { Latencies } from './stats';

// N open SSE streams on the company's event route, as board clients would hold them.

const CREATED_AT = '"createdAt":"';

export interface OpenStreams {
  /** Events received on the sampled streams (all streams get the same events). */
  events: number;
  /** Frames the server wrote to every stream, counted on all of them (bytes). */
  bytes: number;
  /** commit → client: receipt time minus the row's created_at (same machine, same clock), sampled streams only. */
  latency: Latencies;
  /** Start or stop recording latencies (the warm-up is not counted). */
  recording: boolean;
  dropped: number;
  close(): void;
}

/**
 * Opens `count` streams and resolves once every one is connected. Every `sampleEvery`-th stream
 * parses its frames for the latency; the others only count bytes, so the load generator (which
 * shares the CPUs with the server) spends as little as it can on 100 streams.
 */
export async function openStreams(companyId: string, count: number, sampleEvery = 10): Promise<OpenStreams> {
  const requests: ClientRequest[] = [];
  const open: OpenStreams = { events: 0, bytes: 0, latency: new Latencies(), recording: false, dropped: 0, close: () => requests.forEach((r) => r.destroy()) };
  let closing = false;
  const connected = Array.from(
    { length: count },
    (_, i) =>
      new Promise<void>((resolve, reject) => {
        const sampled = i % sampleEvery === 0;
        const req = request(
          `${env.baseUrl}/api/companies/${companyId}/events`,
          { headers: { Authorization: `Bearer ${env.boardKey}`, Accept: 'text/event-stream' }, agent: false },
          (res) => {
            if (res.statusCode !== 200) return reject(new Error(`events stream: HTTP ${res.statusCode}`));
            resolve();
            let pending = '';
            res.on('data', (chunk: Buffer) => {
              open.bytes += chunk.length;
              if (!sampled) return;
              const now = Date.now();
              pending += chunk.toString('utf8');
              let at: number;
              while ((at = pending.indexOf(CREATED_AT)) >= 0) {
                const iso = pending.slice(at + CREATED_AT.length, at + CREATED_AT.length + 24);
                if (iso.length < 24) break;
                pending = pending.slice(at + CREATED_AT.length + 24);
                open.events++;
                if (open.recording) open.latency.add(now - Date.parse(iso));
              }
              if (pending.length > 65536) pending = pending.slice(-256);
            });
            res.on('close', () => {
              if (!closing) open.dropped++;
            });
          },
        );
        req.on('error', (error) => (closing ? resolve() : reject(error)));
        req.end();
        requests.push(req);
      }),
  );
  await Promise.all(connected);
  const close = open.close;
  open.close = () => {
    closing = true;
    close();
  };
  return open;
}

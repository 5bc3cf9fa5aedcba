import { createServer, get, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ActivityEventRow } from '../audit/activity-events.repository';
import { EventStream, toFrame } from './event-stream';

const row = (seq: number, details: Record<string, unknown> = {}): ActivityEventRow => ({
  seq: String(seq),
  id: `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`,
  company_id: null,
  actor_type: 'system',
  actor_id: 'system',
  action: 'issue.updated',
  entity_type: 'issue',
  entity_id: 'i',
  agent_id: null,
  run_id: null,
  details,
  created_at: new Date(0),
});

/** A real HTTP server and a client that connects but never reads the body. */
async function streamToStalledClient(maxBufferedBytes: number) {
  let serverRes!: ServerResponse;
  const server: Server = createServer((_req, res) => (serverRes = res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let clientRes!: IncomingMessage;
  const req = get({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', agent: false }, (res) => {
    clientRes = res;
    res.pause();
  });
  req.on('error', () => undefined);
  while (!serverRes) await new Promise((r) => setTimeout(r, 5));
  const closed: EventStream[] = [];
  const stream = new EventStream(serverRes, 0n, {}, maxBufferedBytes, (s) => closed.push(s));
  stream.open(true);
  return { stream, closed, serverRes, done: () => (req.destroy(), clientRes?.destroy(), server.close()) };
}

describe('EventStream', () => {
  it('drops a client that stops reading once its unsent output passes the bound, instead of buffering without end', async () => {
    const { stream, closed, serverRes, done } = await streamToStalledClient(64 * 1024);
    const padding = 'x'.repeat(4096);
    let sent = 0;
    try {
      while (!stream.closed && sent < 100_000) {
        stream.send([toFrame(row(++sent, { padding }))]);
        if (sent % 50 === 0) await new Promise((r) => setImmediate(r));
      }
      expect(stream.closed).toBe(true);
      expect(closed).toEqual([stream]);
      expect(serverRes.writableLength).toBeLessThan(64 * 1024 + 2 * 4300);
    } finally {
      done();
    }
  });

  it('skips rows at or below its cursor and rows its filter does not want, but moves the cursor past them', async () => {
    const { stream, done } = await streamToStalledClient(1 << 20);
    try {
      const filtered = new EventStream((stream as unknown as { res: ServerResponse }).res, 5n, { action: 'issue.created' }, 1 << 20, () => undefined);
      filtered.send([toFrame(row(4))]);
      expect(filtered.cursor).toBe(5n);
      filtered.send([toFrame(row(6))]);
      expect(filtered.cursor).toBe(6n);
    } finally {
      done();
    }
  });
});

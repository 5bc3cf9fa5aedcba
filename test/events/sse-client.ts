import { ClientRequest, IncomingMessage, request } from 'node:http';

export interface SseEvent {
  id?: string;
  event?: string;
  data?: string;
  /** performance.now() when the frame was complete. */
  at: number;
}

export interface SseConnection {
  status: number;
  headers: IncomingMessage['headers'];
  /** The body when the answer was not a stream (an error). */
  body: string;
  events: SseEvent[];
  /** Comment lines (keep-alives, ": connected"). */
  comments: string[];
  /** The last `id:` seen, as EventSource would resend it. */
  lastEventId: () => string | undefined;
  /** Resolves once `count` events (with data) have arrived, or rejects after `ms`. */
  waitFor(count: number, ms?: number): Promise<SseEvent[]>;
  close(): void;
}

/** A minimal EventSource over node:http: parses frames, keeps the last id, no reconnecting. */
export function openSse(url: string, headers: Record<string, string>): Promise<SseConnection> {
  return new Promise((resolve, reject) => {
    const req: ClientRequest = request(url, { headers: { Accept: 'text/event-stream', ...headers }, agent: false }, (res) => {
      const events: SseEvent[] = [];
      const comments: string[] = [];
      let lastId: string | undefined;
      let buffer = '';
      let body = '';
      const waiters: (() => void)[] = [];
      res.setEncoding('utf8');
      const isStream = res.statusCode === 200 && String(res.headers['content-type']).startsWith('text/event-stream');
      res.on('data', (chunk: string) => {
        if (!isStream) return void (body += chunk);
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const event: SseEvent = { at: performance.now() };
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            const colon = line.indexOf(':');
            const field = line.slice(0, colon);
            const value = line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') event.id = lastId = value;
            if (field === 'event') event.event = value;
            if (field === 'data') event.data = value;
          }
          if (event.data !== undefined) events.push(event);
          waiters.splice(0).forEach((wake) => wake());
        }
      });
      const connection: SseConnection = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        get body() {
          return body;
        },
        events,
        comments,
        lastEventId: () => lastId,
        waitFor: (count, ms = 5000) =>
          new Promise((done, fail) => {
            const timer = setTimeout(() => fail(new Error(`${events.length} of ${count} events within ${ms} ms`)), ms);
            const check = () => {
              if (events.length >= count) {
                clearTimeout(timer);
                done(events.slice(0, count));
              } else waiters.push(check);
            };
            check();
          }),
        close: () => req.destroy(),
      };
      if (isStream) resolve(connection);
      else res.on('end', () => resolve(connection));
    });
    req.on('error', reject);
    req.end();
  });
}

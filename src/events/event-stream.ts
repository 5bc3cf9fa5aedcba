import type { ServerResponse } from 'node:http';
import type { ActivityEventRow } from '../audit/activity-events.repository';
import { toActivityResponse } from '../audit/activity.dto';

export interface EventFilter {
  issueId?: string;
  action?: string;
}

/** One activity row as an SSE frame, built once and written to every stream that wants it. */
export interface EventFrame {
  seq: bigint;
  row: ActivityEventRow;
  text: string;
}

export function toFrame(row: ActivityEventRow): EventFrame {
  // `event` is the action (a-z, _ and . only); JSON never contains a raw newline, so one data line.
  return { seq: BigInt(row.seq), row, text: `id: ${row.seq}\nevent: ${row.action}\ndata: ${JSON.stringify(toActivityResponse(row))}\n\n` };
}

/**
 * One open text/event-stream response: remembers the last seq it has passed (its cursor), filters,
 * and refuses to buffer without bound — a client that does not read is cut off, and comes back
 * with Last-Event-ID.
 */
export class EventStream {
  /** While catching up from the database, live frames are left to the catch-up reads. */
  catchingUp = true;
  closed = false;

  constructor(
    private readonly res: ServerResponse,
    public cursor: bigint,
    private readonly filter: EventFilter,
    private readonly maxBufferedBytes: number,
    private readonly onClose: (stream: EventStream) => void,
  ) {
    res.on('close', () => this.close());
  }

  open(announceCursor: boolean): void {
    this.res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    // An id with no data moves the client's Last-Event-ID without dispatching an event: a reconnect
    // before the first event then resumes from here instead of from "now".
    this.write(`retry: 1000\n${announceCursor ? `id: ${this.cursor}\n` : ''}: connected\n\n`);
  }

  /** Passes frames on (those it wants, in one write) and moves the cursor; false once the stream is closed. */
  send(frames: EventFrame[]): boolean {
    if (this.closed) return false;
    let text = '';
    for (const frame of frames) {
      if (frame.seq <= this.cursor) continue;
      this.cursor = frame.seq;
      if (this.matches(frame.row)) text += frame.text;
    }
    if (text) this.write(text);
    return !this.closed;
  }

  keepAlive(): void {
    this.write(': keep-alive\n\n');
  }

  /** Resolves when the socket has drained (catch-up writes no faster than the client reads). */
  drained(): Promise<void> {
    if (this.closed || !this.res.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        this.res.off('drain', done);
        this.res.off('close', done);
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.onClose(this);
    if (!this.res.writableEnded) this.res.end();
  }

  private matches(row: ActivityEventRow): boolean {
    if (this.filter.action && row.action !== this.filter.action) return false;
    if (this.filter.issueId && !(row.entity_type === 'issue' && row.entity_id === this.filter.issueId)) return false;
    return true;
  }

  private write(text: string): void {
    if (this.closed) return;
    if (this.res.writableLength > this.maxBufferedBytes) {
      this.closed = true;
      this.onClose(this);
      this.res.destroy();
      return;
    }
    this.res.write(text);
  }
}

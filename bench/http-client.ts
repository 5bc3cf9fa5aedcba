import * as http from 'node:http';
import { connect, Socket } from 'node:net';

// HTTP clients of the load workers and of the set-up calls.

export interface HttpResult {
  status: number;
  body: any;
  text: string;
  /** Set-up calls (Api) only: the load workers' WorkerConnection does not parse headers. */
  headers?: http.IncomingHttpHeaders;
}

export interface HttpClient {
  request(method: string, path: string, token?: string, body?: unknown, headers?: Record<string, string>): Promise<HttpResult>;
}

function parseBody(text: string): any {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * One keep-alive HTTP/1.1 connection for one load worker (one request at a time): the request is
 * written as one buffer and the response read just far enough for its status, Content-Length and
 * body. Real agents run on other machines; here the load generator shares two CPUs with the
 * server and PostgreSQL, and node:http's client cost about 0.1 ms of CPU per call taken from them.
 * `--node-http` goes back to node:http for comparison.
 */
export class WorkerConnection implements HttpClient {
  private socket?: Socket;
  private buffered: Buffer = Buffer.alloc(0);
  private waiting?: { resolve(r: HttpResult): void; reject(e: Error): void };

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  async request(method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
    const socket = this.socket ?? (await this.open());
    const payload = body === undefined ? '' : JSON.stringify(body);
    let head = `${method} ${path} HTTP/1.1\r\nHost: bench\r\nAccept: application/json\r\n`;
    if (token) head += `Authorization: Bearer ${token}\r\n`;
    for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
    if (payload) head += `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(payload)}\r\n`;
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      socket.write(`${head}\r\n${payload}`);
    });
  }

  close(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  /** Connects (again, after the server closed an idle connection or an error). */
  private open(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port, noDelay: true }, () => {
        socket.off('error', reject);
        socket.on('error', (e) => this.fail(socket, e));
        this.socket = socket;
        this.buffered = Buffer.alloc(0);
        resolve(socket);
      });
      socket.once('error', reject);
      socket.on('data', (chunk: Buffer) => this.onData(chunk));
      socket.on('close', () => this.fail(socket, new Error('connection closed by the server')));
    });
  }

  private onData(chunk: Buffer): void {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    const headerEnd = this.buffered.indexOf('\r\n\r\n');
    if (headerEnd < 0) return;
    const head = this.buffered.toString('latin1', 0, headerEnd);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    if (!length) return this.fail(this.socket, new Error('response without Content-Length'));
    const end = headerEnd + 4 + Number(length[1]);
    if (this.buffered.length < end) return;
    const text = this.buffered.toString('utf8', headerEnd + 4, end);
    this.buffered = this.buffered.subarray(end);
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.resolve({ status: Number(head.slice(9, 12)), body: parseBody(text), text });
  }

  private fail(socket: Socket | undefined, error: Error): void {
    socket?.destroy();
    if (socket !== this.socket) return;
    this.socket = undefined;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.reject(error);
  }
}


export class Api implements HttpClient {
  readonly agent: http.Agent;
  constructor(
    readonly host: string,
    readonly port: number,
    maxSockets: number,
  ) {
    this.agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  request(method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}): Promise<HttpResult> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const h: Record<string, string | number> = { accept: 'application/json', ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    if (payload !== undefined) {
      h['content-type'] = 'application/json';
      h['content-length'] = Buffer.byteLength(payload);
    }
    return new Promise((res, rej) => {
      const req = http.request({ host: this.host, port: this.port, method, path, headers: h, agent: this.agent }, (resp) => {
        const chunks: Buffer[] = [];
        resp.on('data', (c: Buffer) => chunks.push(c));
        resp.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          res({ status: resp.statusCode ?? 0, body: parseBody(text), text, headers: resp.headers });
        });
        resp.on('error', rej);
      });
      req.setTimeout(30_000, () => req.destroy(new Error(`timeout ${method} ${path}`)));
      req.on('error', rej);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

export function errorKind(r: HttpResult): string {
  const code = r.body && typeof r.body === 'object' && typeof r.body.code === 'string' ? r.body.code : '';
  return code ? `${r.status} ${code}` : `${r.status}`;
}

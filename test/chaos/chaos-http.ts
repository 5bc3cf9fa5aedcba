/** What one request came back with: an HTTP status, or no answer at all (the process died or stood still). */
export interface Outcome {
  status: number | 'network' | 'timeout';
  body: any;
  sentAt: number;
  doneAt: number;
}

export interface ServerErrorSample {
  at: number;
  status: number;
  code: string | undefined;
  method: string;
  path: string;
  port: number;
}

/** Every answer the agents got, by status and error code; every 5xx kept with its moment for the report. */
export class RequestStats {
  sent = 0;
  readonly byStatus = new Map<string, number>();
  readonly byCode = new Map<string, number>();
  readonly serverErrors: ServerErrorSample[] = [];

  record(method: string, path: string, port: number, outcome: Outcome): void {
    this.sent++;
    const key = String(outcome.status);
    this.byStatus.set(key, (this.byStatus.get(key) ?? 0) + 1);
    const code = typeof outcome.body?.code === 'string' ? (outcome.body.code as string) : undefined;
    if (typeof outcome.status === 'number' && outcome.status >= 400) this.byCode.set(`${outcome.status} ${code}`, (this.byCode.get(`${outcome.status} ${code}`) ?? 0) + 1);
    if (typeof outcome.status === 'number' && outcome.status >= 500) {
      this.serverErrors.push({ at: outcome.doneAt, status: outcome.status, code, method, path: path.replace(/[0-9a-f-]{36}/g, ':id'), port });
    }
  }
}

/** One JSON request with a deadline; never throws. */
export async function send(baseUrl: string, method: string, path: string, headers: Record<string, string>, body: unknown, timeoutMs: number): Promise<Outcome> {
  const sentAt = Date.now();
  try {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON: kept as text
    }
    return { status: res.status, body: parsed, sentAt, doneAt: Date.now() };
  } catch (error) {
    const name = (error as Error)?.name;
    return { status: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network', body: undefined, sentAt, doneAt: Date.now() };
  }
}

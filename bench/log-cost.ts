// The CPU one access line costs: Clasp's request-id and access-log middleware on fake requests, the
// line written synchronously to /dev/null, at LOG_LEVEL=info (a line per request) and warn (none).
// Run: npm run build && node dist/bench/log-cost.js   (docs/operations.md, "What the access log costs")
import { EventEmitter } from 'node:events';
import pino from 'pino';
import { requestIdMiddleware } from '../src/common/request-id';
import { accessLogMiddleware } from '../src/logging/access-log';
import { createRootLogger } from '../src/logging/log-options';

function microsPerRequest(level: 'info' | 'warn', n: number): number {
  const logger = createRootLogger({ level, format: 'json', stream: pino.destination({ dest: '/dev/null', sync: true }) });
  const accessLog = accessLogMiddleware(logger);
  const start = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const req = {
      method: 'POST',
      url: '/api/issues/PAP-12/checkout',
      originalUrl: '/api/issues/PAP-12/checkout',
      headers: { 'x-request-id': `r${i}` },
      route: { path: '/api/issues/:id/checkout' },
      actor: { type: 'agent', agentId: '3b4e14e2-b0b1-4f09-bb67-a027e778ab41', runId: '5a179a98-1c1f-4a3e-b542-c44525c036d2' },
    };
    const res = Object.assign(new EventEmitter(), { statusCode: 200, writableFinished: true, setHeader: () => undefined });
    requestIdMiddleware(req as never, res as never, () => accessLog(req as never, res as never, () => undefined));
    res.emit('close');
  }
  const used = process.cpuUsage(start);
  return (used.user + used.system) / n;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (let i = 0; i < 3; i++) (microsPerRequest('info', 20_000), microsPerRequest('warn', 20_000));
const info: number[] = [];
const warn: number[] = [];
for (let i = 0; i < 5; i++) {
  info.push(microsPerRequest('info', 50_000));
  warn.push(microsPerRequest('warn', 50_000));
}
const fmt = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(', ');
console.log(`access log, CPU µs per request: info ${median(info).toFixed(1)} (${fmt(info)}), warn ${median(warn).toFixed(1)} (${fmt(warn)})`);
console.log(`one access line ≈ ${(median(info) - median(warn)).toFixed(1)} µs`);

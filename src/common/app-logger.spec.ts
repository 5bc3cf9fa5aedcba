import { EventEmitter } from 'node:events';
import { accessLogMiddleware } from '../logging/access-log';
import { createRootLogger } from '../logging/log-options';
import { AppLogger } from './app-logger';
import { requestIdMiddleware } from './request-id';

type Line = Record<string, any>;

function capture(level: 'info' | 'warn') {
  const lines: Line[] = [];
  const logger = createRootLogger({ level, format: 'json', stream: { write: (chunk: string) => lines.push(JSON.parse(chunk)) } });
  return { logger, lines, app: new AppLogger(logger) };
}

const fakeRequest = (id: string) => ({ method: 'GET', url: '/api/me', headers: { 'x-request-id': id } });
const fakeResponse = (finished = true) => Object.assign(new EventEmitter(), { statusCode: 200, writableFinished: finished, setHeader: () => undefined });

describe('AppLogger (Nest Logger calls as pino lines)', () => {
  it('the context comes last; an object message becomes fields, an Error becomes err; secrets are cut', () => {
    const { app, lines } = capture('info');
    app.log('sweep done', 'Sweeper');
    app.warn({ issueId: 'i-1', source: 'request' }, 'stale lock cleared', 'Locks');
    app.error(new Error('boom'), 'Errors');
    app.log('key clasp_agent_0123456789abcdef used', 'Auth');
    expect(lines[0]).toMatchObject({ level: 'info', context: 'Sweeper', msg: 'sweep done' });
    expect(lines[1]).toMatchObject({ level: 'warn', context: 'Locks', issueId: 'i-1', source: 'request', msg: 'stale lock cleared' });
    expect(lines[2]).toMatchObject({ level: 'error', context: 'Errors', err: expect.objectContaining({ message: 'boom' }) });
    expect(lines[3].msg).toBe('key clasp_agent_[redacted] used');
    expect(lines.every((l) => l.requestId === undefined)).toBe(true);
  });

  it("Nest's exception handler contract (message, stack, context) keeps the stack as err", () => {
    const { app, lines } = capture('info');
    app.error('Unhandled', 'Error: x\n    at f (a.js:1:1)', 'ExceptionsHandler');
    expect(lines[0]).toMatchObject({ context: 'ExceptionsHandler', err: expect.objectContaining({ message: 'Unhandled', stack: 'Error: x\n    at f (a.js:1:1)' }) });
  });

  it('framework start-up chatter is debug, filtered at info', () => {
    const { app, lines } = capture('info');
    app.log('AppModule dependencies initialized', 'InstanceLoader');
    expect(lines).toEqual([]);
  });

  it('a line written while a request is served carries its id, across awaits', async () => {
    const { app, lines } = capture('info');
    await new Promise<void>((done) =>
      requestIdMiddleware(fakeRequest('trace-ctx') as never, fakeResponse() as never, async () => {
        await new Promise((r) => setImmediate(r));
        app.log('inside', 'Locks');
        done();
      }),
    );
    app.log('outside', 'Locks');
    expect(lines.map((l) => [l.msg, l.requestId])).toEqual([
      ['inside', 'trace-ctx'],
      ['outside', undefined],
    ]);
  });
});

describe('accessLogMiddleware', () => {
  const serve = (logger: ReturnType<typeof capture>['logger'], id: string, finished = true) => {
    const req = fakeRequest(id);
    const res = fakeResponse(finished);
    requestIdMiddleware(req as never, res as never, () => accessLogMiddleware(logger)(req as never, res as never, () => undefined));
    res.emit('close');
  };

  it('one line when the response is over; an abandoned one logs "request aborted" at warn', () => {
    const { logger, lines } = capture('info');
    serve(logger, 'r-1');
    serve(logger, 'r-2', false);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', requestId: 'r-1', method: 'GET', route: 'unmatched', status: 200, msg: 'request' }),
      expect.objectContaining({ level: 'warn', requestId: 'r-2', msg: 'request aborted' }),
    ]);
  });

  it('at LOG_LEVEL=warn a finished request writes nothing', () => {
    const { logger, lines } = capture('warn');
    serve(logger, 'r-3');
    expect(lines).toEqual([]);
  });
});

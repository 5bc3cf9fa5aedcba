import { refuseWhileDraining } from './graceful-shutdown';

/** A request on a kept-alive connection during the SIGTERM drain is refused, not started. */
describe('refuseWhileDraining', () => {
  function call(draining: boolean) {
    const res = { headers: {} as Record<string, string>, statusCode: 0, body: undefined as unknown };
    const next = jest.fn();
    refuseWhileDraining(
      { app: { locals: draining ? { claspDraining: true } : {} } },
      {
        setHeader: (name, value) => (res.headers[name] = value),
        status: (code) => {
          res.statusCode = code;
          return { json: (body: unknown) => (res.body = body) };
        },
      },
      next,
    );
    return { res, next };
  }

  it('lets requests through while the process serves', () => {
    const { res, next } = call(false);
    expect(next).toHaveBeenCalledTimes(1);
    expect(res.statusCode).toBe(0);
  });

  it('answers 503 shutting_down with Connection: close while it drains', () => {
    const { res, next } = call(true);
    expect(next).not.toHaveBeenCalled();
    expect(res.statusCode).toBe(503);
    expect(res.headers.Connection).toBe('close');
    expect(res.body).toEqual({ error: 'The server is shutting down; retry on another process', code: 'shutting_down' });
  });
});

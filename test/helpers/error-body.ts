/** Every error body is `{error, code, details?}` (api.md §3); validation errors list their problems. */
export function expectError(res: { status: number; body: any }, status: number, code: string): void {
  expect({ status: res.status, code: res.body?.code }).toEqual({ status, code });
  expect(typeof res.body.error).toBe('string');
  expect(res.body.error.length).toBeGreaterThan(0);
  expect(Object.keys(res.body).sort()).toEqual(expect.arrayContaining(['code', 'error']));
  for (const key of Object.keys(res.body)) expect(['error', 'code', 'details']).toContain(key);
  if (code === 'validation_failed') expect(Array.isArray(res.body.details?.problems)).toBe(true);
}

export function problemFields(res: { body: any }): string[] {
  return res.body.details.problems.map((p: { field: string }) => p.field);
}

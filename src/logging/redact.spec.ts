import { redactSecrets } from './redact';

describe('redactSecrets', () => {
  const board = `clasp_board_${'ab12'.repeat(12)}`;
  const agent = `clasp_agent_${'cd34'.repeat(12)}`;
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl';

  it.each([
    [`GET /api/agents/${agent}`, 'GET /api/agents/clasp_agent_[redacted]'],
    [`key ${board} was used`, 'key clasp_board_[redacted] was used'],
    [`token=${jwt}&x=1`, 'token=[redacted-jwt]&x=1'],
    ['Authorization: Bearer some.opaque-token', 'Authorization: Bearer [redacted]'],
    ['{"authorization":"bearer abc"}', '{"authorization":"bearer [redacted]"}'],
  ])('%s → %s', (input, expected) => {
    expect(redactSecrets(input)).toBe(expected);
  });

  it('leaves lines without credentials as they are', () => {
    const line = 'swept: {"timedOut":1,"failed":0} issue PAP-12 run 3f2a…';
    expect(redactSecrets(line)).toBe(line);
  });
});

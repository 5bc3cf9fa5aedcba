import { DomainError } from '../common/domain-error';
import { ISSUE_STATUSES } from '../issues/issue.entity';
import { AGENT_TRANSITIONS, assertAgentTransition, statusTimestamps } from './issue-invariants.policy';
import { DB_NOW } from './policy-types';

describe('agent transition table', () => {
  const allowedPairs = Object.entries(AGENT_TRANSITIONS).flatMap(([from, tos]) => tos.map((to) => [from, to]));

  it.each(allowedPairs)('allows %s → %s', (from, to) => {
    expect(() => assertAgentTransition(from as never, to as never)).not.toThrow();
  });

  const refusedPairs = ISSUE_STATUSES.flatMap((from) =>
    ISSUE_STATUSES.filter((to) => to !== from && !AGENT_TRANSITIONS[from].includes(to)).map((to) => [from, to]),
  );

  it.each(refusedPairs)('refuses %s → %s with illegal_transition and the allowed list', (from, to) => {
    try {
      assertAgentTransition(from, to);
      throw new Error('expected a refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(DomainError);
      expect((error as DomainError).code).toBe('illegal_transition');
      expect((error as DomainError).status).toBe(409);
      expect((error as DomainError).details).toEqual({ from, to, allowed: AGENT_TRANSITIONS[from] });
    }
  });

  it('never lets an agent leave done or cancelled', () => {
    expect(AGENT_TRANSITIONS.done).toEqual([]);
    expect(AGENT_TRANSITIONS.cancelled).toEqual([]);
  });
});

describe('status timestamps', () => {
  it('stamps started_at on entering in_progress and nulls it on leaving', () => {
    expect(statusTimestamps('todo', 'in_progress')).toEqual({ started_at: DB_NOW });
    expect(statusTimestamps('in_progress', 'done')).toEqual({ started_at: null, completed_at: DB_NOW });
    expect(statusTimestamps('done', 'todo')).toEqual({ completed_at: null });
    expect(statusTimestamps('todo', 'cancelled')).toEqual({ cancelled_at: DB_NOW });
    expect(statusTimestamps('todo', 'todo')).toEqual({});
  });
});

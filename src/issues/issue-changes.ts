/** PATCH fields that map one-to-one onto a column, for the change set and its audit row. */
export const PLAIN_FIELDS = [
  ['title', 'title'],
  ['description', 'description'],
  ['priority', 'priority'],
  ['status', 'status'],
  ['assigneeAgentId', 'assignee_agent_id'],
  ['assigneeUserId', 'assignee_user_id'],
  ['parentId', 'parent_id'],
  ['projectId', 'project_id'],
  ['goalId', 'goal_id'],
  ['billingCode', 'billing_code'],
  ['requestDepth', 'request_depth'],
  ['workMode', 'work_mode'],
  ['hiddenAt', 'hidden_at'],
] as const;

/** PATCH's `changes` reply: each changed field with its value before and after. */
export type FieldChanges = Record<string, { from: unknown; to: unknown }>;

/** Timestamps arrive as ISO strings and leave the database as Dates: compare them as instants. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (!(a instanceof Date || b instanceof Date) || a === null || b === null) return a === b;
  return new Date(a as string).getTime() === new Date(b as string).getTime();
}
export const asJson = (value: unknown) => (value instanceof Date ? value.toISOString() : value);

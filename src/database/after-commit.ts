import type { EntityManager } from 'typeorm';

/**
 * Side effects that must wait until a transaction committed (counting what it did, logging it):
 * TransactionRunner runs them after COMMIT and drops them when the attempt rolls back or is
 * retried. Work outside a TransactionRunner transaction runs them at once.
 */
const pending = new WeakMap<EntityManager, Array<() => void>>();

export function afterCommit(em: EntityManager, effect: () => void): void {
  const queue = pending.get(em);
  if (queue) queue.push(effect);
  else effect();
}

/** TransactionRunner's side: `work` runs with a queue; the queue's effects run only if it committed. */
export async function withAfterCommit<T>(transaction: (work: (em: EntityManager) => Promise<T>) => Promise<T>, work: (em: EntityManager) => Promise<T>): Promise<T> {
  let queue: Array<() => void> = [];
  const result = await transaction((em) => {
    queue = [];
    pending.set(em, queue);
    return work(em);
  });
  for (const effect of queue) effect();
  return result;
}

/** What the cluster's primary and its workers say to each other over the IPC channel (besides metrics). */
export type WorkerMessage =
  /** The worker listens for the database and asks for it; it loads the application meanwhile. */
  | { type: 'clasp:database-wanted' }
  | { type: 'clasp:ready'; generatedKey: string | null }
  | { type: 'clasp:failed'; line: string };

/** The primary's answer once the database is up and migrated. */
export type PrimaryMessage = { type: 'clasp:database'; url: string };

const WORKER_TYPES = new Set(['clasp:database-wanted', 'clasp:ready', 'clasp:failed']);

export function isWorkerMessage(message: unknown): message is WorkerMessage {
  return WORKER_TYPES.has((message as { type?: unknown } | null)?.type as string);
}

export function isPrimaryMessage(message: unknown): message is PrimaryMessage {
  return (message as { type?: unknown } | null)?.type === 'clasp:database';
}

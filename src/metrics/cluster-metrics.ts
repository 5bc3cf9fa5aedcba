import cluster, { Worker } from 'node:cluster';
import { AggregatorRegistry, PrometheusContentType, Registry } from 'prom-client';

/**
 * WORKERS > 1: a scrape lands on whichever worker accepts the connection, and each worker counts
 * only its own requests. So a worker answers /metrics with the whole server's numbers: it asks the
 * primary, which gathers every worker's registry over the cluster IPC channel (prom-client's
 * AggregatorRegistry: counters and histograms summed, gauges as each declares).
 */

type Request = { type: 'clasp:metrics-request'; id: number };
type Answer = { type: 'clasp:metrics'; id: number; text?: string; error?: string };

const ASK_TIMEOUT_MS = 6000;
let nextId = 0;
const waiting = new Map<number, { resolve: (text: string) => void; reject: (error: Error) => void }>();

/** Whether this process is a cluster worker that should ask the primary. */
export function inClusterWorker(): boolean {
  return cluster.isWorker && typeof process.send === 'function';
}

/** Worker side, once at start: the registry prom-client hands the primary, and the listener for its answers. */
export function shareWithPrimary(registry: Registry): void {
  AggregatorRegistry.setRegistries([registry]);
  // Constructing one adds prom-client's worker-side listener that answers the primary.
  void new AggregatorRegistry<PrometheusContentType>();
  process.on('message', (message: unknown) => {
    const answer = message as Answer;
    if (answer?.type !== 'clasp:metrics') return;
    const pending = waiting.get(answer.id);
    if (!pending) return;
    waiting.delete(answer.id);
    if (answer.text !== undefined) pending.resolve(answer.text);
    else pending.reject(new Error(answer.error ?? 'the primary could not gather metrics'));
  });
}

/** Worker side: the aggregated text of every worker. */
export function clusterMetricsFromPrimary(): Promise<string> {
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      reject(new Error('the primary did not answer the metrics request'));
    }, ASK_TIMEOUT_MS);
    waiting.set(id, {
      resolve: (text) => (clearTimeout(timer), resolve(text)),
      reject: (error) => (clearTimeout(timer), reject(error)),
    });
    process.send?.({ type: 'clasp:metrics-request', id } satisfies Request);
  });
}

/** Primary side: answers a worker's metrics requests with the aggregate of all workers. */
export function answerMetricsRequests(worker: Worker, aggregator: AggregatorRegistry<PrometheusContentType>): void {
  worker.on('message', (message: unknown) => {
    const request = message as Request;
    if (request?.type !== 'clasp:metrics-request') return;
    const reply = (answer: Omit<Answer, 'type' | 'id'>) => worker.isConnected() && worker.send({ type: 'clasp:metrics', id: request.id, ...answer } satisfies Answer);
    aggregator.clusterMetrics().then(
      (text: string) => reply({ text }),
      (error: unknown) => reply({ error: String((error as Error)?.message ?? error) }),
    );
  });
}

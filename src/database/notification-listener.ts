import { Logger } from '@nestjs/common';
import { Client } from 'pg';

export interface ListenerHandlers {
  onNotification(payload: string): void;
  /** After every (re)connection: notifications sent while it was down are lost, so callers re-read. */
  onListening(): void;
}

const RETRY_MIN_MS = 100;
const RETRY_MAX_MS = 5000;

/**
 * One dedicated connection per process, outside the pool, that LISTENs on a channel and comes
 * back after it is lost (with backoff). A pooled connection would hand the LISTEN to whoever
 * borrows it next.
 */
export class NotificationListener {
  private readonly logger = new Logger(NotificationListener.name);
  private client: Client | null = null;
  private stopped = false;
  private retryMs = RETRY_MIN_MS;
  private retryTimer: NodeJS.Timeout | null = null;
  private firstListen: Promise<void> | null = null;

  constructor(
    private readonly databaseUrl: string,
    private readonly channel: string,
    private readonly handlers: ListenerHandlers,
  ) {}

  /** Resolves once the first LISTEN is in place (or the listener was stopped); keeps retrying after that. */
  start(): Promise<void> {
    this.firstListen ??= new Promise((resolve) => this.connect(resolve));
    return this.firstListen;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private connect(listening: () => void): void {
    if (this.stopped) return listening();
    const client = new Client({ connectionString: this.databaseUrl, application_name: 'clasp-events-listener' });
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.client === client) this.client = null;
      void client.end().catch(() => undefined);
      if (this.stopped) return listening();
      this.logger.warn(`LISTEN ${this.channel} connection lost (${error?.message ?? 'closed'}); retrying in ${this.retryMs} ms`);
      this.retryTimer = setTimeout(() => this.connect(listening), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, RETRY_MAX_MS);
    };
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      if (message.channel === this.channel && message.payload) this.handlers.onNotification(message.payload);
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${this.channel}`))
      .then(() => {
        if (lost) return;
        if (this.stopped) return onLost();
        this.client = client;
        this.retryMs = RETRY_MIN_MS;
        this.handlers.onListening();
        listening();
      })
      .catch((error: Error) => onLost(error));
  }
}

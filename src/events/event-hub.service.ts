import { Inject, Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { ActivityEventsRepository } from '../audit/activity-events.repository';
import { APP_CONFIG, AppConfig } from '../config/app-config';
import { NotificationListener } from '../database/notification-listener';
import { CommitHorizon } from './commit-horizon';
import type { ServerResponse } from 'node:http';
import { EventFilter, EventStream, toFrame } from './event-stream';

export const ACTIVITY_CHANNEL = 'clasp_activity';
const PAGE_SIZE = 500;
/** Spacing between reads while rows are waiting: batches bursts, bounds the reads a busy company costs. */
const TICK_MS = 20;
const RETRY_AFTER_FAILURE_MS = 1000;

/** The streams of one company in this process, and how far the shared reads have got. */
interface CompanyStreams {
  streams: Set<EventStream>;
  /** Every row up to here has been read and handed to the live streams. */
  cursor: bigint;
  /** Notified since the last read was sent. */
  dirty: boolean;
  /** Read up to at least this seq (the last seq drawn when a notification was seen). */
  target: bigint | null;
}

/**
 * Fans activity rows out to this process's event streams. The database is the only source:
 * a NOTIFY (sent by the activity_log trigger, in the writing transaction) says "company X has new
 * rows"; every process then reads them from activity_log in seq order, never past the commit
 * horizon, so no row is skipped when transactions commit out of seq order.
 */
@Injectable()
export class EventHubService implements OnModuleDestroy {
  private readonly logger = new Logger(EventHubService.name);
  private readonly companies = new Map<string, CompanyStreams>();
  private readonly horizon = new CommitHorizon();
  private readonly listener: NotificationListener;
  private tickTimer: NodeJS.Timeout | null = null;
  private ticking = false;
  private keepAliveTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly events: ActivityEventsRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.listener = new NotificationListener(config.databaseUrl as string, ACTIVITY_CHANNEL, {
      onNotification: (companyId) => this.notified(companyId),
      onListening: () => {
        for (const company of this.companies.values()) company.dirty = true;
        this.scheduleTick(0);
      },
    });
  }

  /** The safe horizon as of now: waits until every transaction that drew a seq so far has ended. */
  async currentHorizon(): Promise<bigint> {
    const first = await this.events.probe();
    this.horizon.observe(first);
    while (this.horizon.safe < first.lastSeq) {
      this.horizon.observe(await this.events.probe());
      if (this.horizon.safe < first.lastSeq) await sleep(2);
    }
    return this.horizon.safe;
  }

  /**
   * Opens a stream on `res` after `after` (null: from now on), replays what it missed from the
   * database, then hands it live rows. Resolves once it is live (or closed).
   */
  async subscribe(companyId: string, res: ServerResponse, after: bigint | null, filter: EventFilter): Promise<void> {
    await this.listener.start();
    const cursor = after ?? (await this.currentHorizon());
    const stream = new EventStream(res, cursor, filter, this.config.eventsMaxBufferBytes, () => this.detach(companyId, stream));
    if (!res.socket || res.socket.destroyed) return stream.close();
    let company = this.companies.get(companyId);
    if (!company) {
      company = { streams: new Set(), cursor: after === null ? cursor : await this.currentHorizon(), dirty: true, target: null };
      this.companies.set(companyId, company);
      this.ensureKeepAlive();
      this.scheduleTick(0);
    }
    company.streams.add(stream);
    stream.open(after === null);
    while (!stream.closed && stream.cursor < company.cursor) {
      const upTo = company.cursor;
      const rows = await this.events.page([companyId], stream.cursor, upTo, PAGE_SIZE);
      stream.send(rows.map(toFrame));
      // The rest up to upTo was filtered out or rolled back: nothing more to read below it.
      if (rows.length < PAGE_SIZE && stream.cursor < upTo) stream.cursor = upTo;
      await stream.drained();
    }
    stream.catchingUp = false;
  }

  private detach(companyId: string, stream: EventStream): void {
    const company = this.companies.get(companyId);
    if (!company) return;
    company.streams.delete(stream);
    if (company.streams.size === 0) this.companies.delete(companyId);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.tickTimer) clearTimeout(this.tickTimer);
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    for (const company of [...this.companies.values()]) for (const stream of [...company.streams]) stream.close();
    await this.listener.stop();
  }

  private notified(companyId: string): void {
    const company = this.companies.get(companyId);
    if (!company) return;
    company.dirty = true;
    this.scheduleTick(0);
  }

  private scheduleTick(delayMs: number): void {
    if (this.tickTimer || this.ticking) return;
    this.tickTimer = setTimeout(() => {
      this.tickTimer = null;
      this.ticking = true;
      let retryMs = TICK_MS;
      this.tick()
        .catch((error: Error) => {
          this.logger.warn(`event stream read failed, retrying: ${error.message}`);
          for (const company of this.companies.values()) company.dirty = true;
          retryMs = RETRY_AFTER_FAILURE_MS;
        })
        .finally(() => {
          this.ticking = false;
          if ([...this.companies.values()].some((c) => c.dirty || c.target !== null)) this.scheduleTick(retryMs);
        });
    }, delayMs);
  }

  /** One round: look at the horizon, then read every company whose rows are now safe to pass on. */
  private async tick(): Promise<void> {
    const notified = [...this.companies.values()].filter((c) => c.dirty);
    for (const company of notified) company.dirty = false;
    const probe = await this.events.probe();
    this.horizon.observe(probe);
    for (const company of notified) company.target = maxOf(company.target, probe.lastSeq);
    const safe = this.horizon.safe;

    for (const [companyId, company] of this.companies) {
      if (company.target === null || company.cursor >= safe) continue;
      const rows = await this.events.page([companyId], company.cursor, safe, PAGE_SIZE);
      const upTo = rows.length === PAGE_SIZE ? BigInt(rows[rows.length - 1].seq) : safe;
      // One write per stream per read: with many streams the syscalls, not the rows, are the cost.
      const frames = rows.map(toFrame);
      if (frames.length) for (const stream of company.streams) if (!stream.catchingUp) stream.send(frames);
      company.cursor = maxOf(company.cursor, upTo);
      if (company.cursor >= company.target) company.target = null;
    }
  }

  private ensureKeepAlive(): void {
    this.keepAliveTimer ??= setInterval(() => {
      for (const company of this.companies.values()) for (const stream of company.streams) stream.keepAlive();
    }, this.config.eventsKeepAliveMs);
    this.keepAliveTimer.unref();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const maxOf = (a: bigint | null, b: bigint) => (a === null || b > a ? b : a);

import { DataSource, DataSourceOptions } from 'typeorm';
import { InitialSchema1764000000000 } from '../../migrations/1764000000000-InitialSchema';
import { PaperclipIssueFields1765000000000 } from '../../migrations/1765000000000-PaperclipIssueFields';
import { IssueLockConstraints1796164275093 } from '../../migrations/1796164275093-IssueLockConstraints';
import { IssueListIndexes1796185352768 } from '../../migrations/1796185352768-IssueListIndexes';
import { Agent } from '../agents/agent.entity';
import { AgentApiKey } from '../agents/agent-api-key.entity';
import { ActivityLog } from '../audit/activity-log.entity';
import { IdempotencyKey } from '../common/idempotency-key.entity';
import { Company } from '../companies/company.entity';
import { CompanyMembership } from '../companies/company-membership.entity';
import { Issue } from '../issues/issue.entity';
import { IssueComment } from '../issues/issue-comment.entity';
import { IssueRelation } from '../issues/issue-relation.entity';
import { Logger } from '@nestjs/common';
import { batchingSupported, PiggybackClient } from './piggyback-client';
import { HeartbeatRun } from '../runs/heartbeat-run.entity';
import { BoardApiKey } from '../users/board-api-key.entity';
import { User } from '../users/user.entity';

export const ENTITIES = [
  Company, CompanyMembership, User, BoardApiKey, Agent, AgentApiKey, HeartbeatRun, Issue, IssueComment, IssueRelation,
  ActivityLog, IdempotencyKey,
];

/** Listed explicitly (not globbed) so the same list works compiled, under Jest and in the CLI. */
export const MIGRATIONS = [InitialSchema1764000000000, PaperclipIssueFields1765000000000, IssueLockConstraints1796164275093, IssueListIndexes1796185352768];

export interface PoolOptions {
  poolSize?: number;
  /** Every connection's default lock wait (ownership.md §11), set at connect time rather than per transaction. */
  lockTimeoutMs?: number;
  /** Use PiggybackClient (PG_BATCHING=on) when the installed pg has what it builds on. */
  batching?: boolean;
}

let warnedFallback = false;

/** PiggybackClient when asked for and supported by the installed pg; else pg's stock client (logged once). */
function poolClient(batching: boolean): typeof PiggybackClient | undefined {
  if (!batching) return undefined;
  if (batchingSupported()) return PiggybackClient;
  if (!warnedFallback) new Logger('Database').warn('pg lacks the internals PiggybackClient builds on: using the stock client (PG_BATCHING has no effect)');
  warnedFallback = true;
  return undefined;
}

export function dataSourceOptions(url: string, { poolSize = 20, lockTimeoutMs = 5000, batching = true }: PoolOptions = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: poolSize, application_name: 'clasp', options: `-c lock_timeout=${lockTimeoutMs}`, Client: poolClient(batching) },
  };
}

/** Used by the TypeORM CLI: `npx typeorm -d dist/src/database/data-source.js migration:show`. */
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:54329/clasp'));

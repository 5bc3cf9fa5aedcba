import { DataSource, DataSourceOptions } from 'typeorm';
import { InitialSchema1764000000000 } from '../../migrations/1764000000000-InitialSchema';
import { IssueLockConstraints1796164275093 } from '../../migrations/1796164275093-IssueLockConstraints';
import { Agent } from '../agents/agent.entity';
import { AgentApiKey } from '../agents/agent-api-key.entity';
import { ActivityLog } from '../audit/activity-log.entity';
import { Company } from '../companies/company.entity';
import { CompanyMembership } from '../companies/company-membership.entity';
import { Issue } from '../issues/issue.entity';
import { IssueComment } from '../issues/issue-comment.entity';
import { IssueRelation } from '../issues/issue-relation.entity';
import { PiggybackClient } from './piggyback-client';
import { HeartbeatRun } from '../runs/heartbeat-run.entity';
import { BoardApiKey } from '../users/board-api-key.entity';
import { User } from '../users/user.entity';

export const ENTITIES = [
  Company, CompanyMembership, User, BoardApiKey, Agent, AgentApiKey, HeartbeatRun, Issue, IssueComment, IssueRelation,
  ActivityLog,
];

/** Listed explicitly (not globbed) so the same list works compiled, under Jest and in the CLI. */
export const MIGRATIONS = [InitialSchema1764000000000, IssueLockConstraints1796164275093];

export interface PoolOptions {
  poolSize?: number;
  /** Every connection's default lock wait (ownership.md §11), set at connect time rather than per transaction. */
  lockTimeoutMs?: number;
}

export function dataSourceOptions(url: string, { poolSize = 20, lockTimeoutMs = 5000 }: PoolOptions = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: poolSize, application_name: 'clasp', options: `-c lock_timeout=${lockTimeoutMs}`, Client: PiggybackClient },
  };
}

/** Used by the TypeORM CLI: `npx typeorm -d dist/src/database/data-source.js migration:show`. */
export default new DataSource(dataSourceOptions(process.env.DATABASE_URL ?? 'postgres://postgres:postgres@127.0.0.1:54329/clasp'));

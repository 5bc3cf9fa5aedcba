import { Injectable } from '@nestjs/common';
import { notFound } from '../common/domain-error';
import type { RunStatus } from './heartbeat-run.entity';
import { RunReadsRepository } from './run-reads.repository';
import type { RunRow } from './run-rows';

/** Reads of runs, outside any transaction; every row carries its database-computed lease end. */
@Injectable()
export class RunQueriesService {
  constructor(private readonly reads: RunReadsRepository) {}

  async get(runId: string): Promise<RunRow> {
    const run = await this.find(runId);
    if (!run) throw notFound('Run', { runId });
    return run;
  }

  find(runId: string): Promise<RunRow | null> {
    return this.reads.find(runId);
  }

  list(companyId: string, filter: { agentId?: string; status?: RunStatus[]; limit?: number }): Promise<RunRow[]> {
    return this.reads.list(companyId, filter);
  }

  /**
   * Runs that touched an issue: woken for it, named by an audit row of the issue, or holding one
   * of its locks right now. Newest first.
   */
  listForIssue(companyId: string, issueId: string): Promise<RunRow[]> {
    return this.reads.listForIssue(companyId, issueId);
  }
}

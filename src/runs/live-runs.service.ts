import { Injectable } from '@nestjs/common';
import { RunReadsRepository } from './run-reads.repository';
import type { LiveRunRow, RunRow } from './run-rows';

export type { LiveRunRow } from './run-rows';

/** Reads of live runs (Paperclip's active-run / live-runs routes and the inbox's activeRun). */
@Injectable()
export class LiveRunsService {
  constructor(private readonly reads: RunReadsRepository) {}

  activeForIssue(companyId: string, issueId: string): Promise<LiveRunRow | null> {
    return this.reads.activeForIssue(companyId, issueId);
  }

  forIssue(companyId: string, issueId: string): Promise<LiveRunRow[]> {
    return this.reads.liveForIssue(companyId, issueId);
  }

  forCompany(companyId: string): Promise<LiveRunRow[]> {
    return this.reads.liveForCompany(companyId);
  }

  /** The active run of each issue (issues without one are absent from the map). */
  async activeForIssues(companyId: string, issueIds: string[]): Promise<Map<string, RunRow>> {
    if (issueIds.length === 0) return new Map();
    return this.reads.activeForIssues(companyId, issueIds);
  }
}

import { ApiProperty } from '@nestjs/swagger';
import type { LiveRunRow } from './run-rows';
import { RunResponse, toRunResponse } from './runs.dto';

export class LiveRunResponse extends RunResponse {
  @ApiProperty() agentName: string;
  @ApiProperty() adapterType: string;
}

export function toLiveRunResponse(row: LiveRunRow): LiveRunResponse {
  return { ...toRunResponse(row), agentName: row.agent_name, adapterType: row.adapter_type };
}

export class IssueRunResponse extends RunResponse {
  @ApiProperty({ format: 'uuid', description: 'Same as id (Paperclip’s name on GET /issues/:id/runs)' }) runId: string;
}

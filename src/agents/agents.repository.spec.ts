import { offlineDataSource, recordingManager } from '../database/offline-data-source';
import { AgentsRepository } from './agents.repository';

describe('AgentsRepository locks', () => {
  it('takes the agent FOR SHARE on the bare row for a wake-up', async () => {
    const agents = new AgentsRepository(await offlineDataSource());
    const { em, sent } = recordingManager([{ id: 'a-1', company_id: 'c-1', status: 'active' }]);
    await expect(agents.lockForWakeup(em, 'a-1')).resolves.toEqual({ id: 'a-1', company_id: 'c-1', status: 'active' });
    expect(sent).toEqual([
      expect.objectContaining({
        text: 'SELECT "a"."id" AS "id", "a"."company_id" AS "company_id", "a"."status" AS "status" FROM "agents" "a" WHERE "a"."id" = $1 FOR SHARE',
        values: ['a-1'],
      }),
    ]);
  });
});

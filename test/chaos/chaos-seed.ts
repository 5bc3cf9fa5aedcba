import { send } from './chaos-http';
import type { AgentIdentity } from './chaos-agent';
import type { ChaosServers } from './chaos-servers';

export interface ChaosFixtures {
  companyId: string;
  agents: AgentIdentity[];
  pool: string[];
  /** An issue outside the pool: the runner's own probe writes after a restart go there. */
  probeIssueId: string;
}

async function must(servers: ChaosServers, boardKey: string, method: string, path: string, body: unknown): Promise<any> {
  const server = servers.pick();
  if (!server) throw new Error('no server is up to seed through');
  const res = await send(servers.baseUrl(server), method, path, { Authorization: `Bearer ${boardKey}` }, body, 30_000);
  if (typeof res.status !== 'number' || res.status >= 300) throw new Error(`seeding ${method} ${path} answered ${res.status}: ${JSON.stringify(res.body)}`);
  return res.body;
}

/** One company, its agents (each with a harness key) and the shared pool of todo issues, made through the API. */
export async function seedChaos(servers: ChaosServers, boardKey: string, counts: { agents: number; issues: number }): Promise<ChaosFixtures> {
  const company = await must(servers, boardKey, 'POST', '/api/companies', { name: `Chaos ${Date.now()}`, issuePrefix: 'CHA' });
  const agents: AgentIdentity[] = [];
  for (let i = 0; i < counts.agents; i++) {
    const agent = await must(servers, boardKey, 'POST', `/api/companies/${company.id}/agents`, { name: `chaos-agent-${i}` });
    const key = await must(servers, boardKey, 'POST', `/api/agents/${agent.id}/keys`, { name: 'chaos harness' });
    agents.push({ id: agent.id, name: agent.name, key: key.token });
  }
  const pool: string[] = [];
  for (let i = 0; i < counts.issues; i++) pool.push((await must(servers, boardKey, 'POST', `/api/companies/${company.id}/issues`, { title: `Pool issue ${i}`, status: 'todo' })).id);
  const probe = await must(servers, boardKey, 'POST', `/api/companies/${company.id}/issues`, { title: 'Recovery probe', status: 'todo' });
  return { companyId: company.id, agents, pool, probeIssueId: probe.id };
}

import { createAgent, createCompany } from '../helpers/factories';
import { startTestApp, TestApp } from '../helpers/test-app';
import { createIssue } from '../issues/issue-helpers';
import { liveRun } from '../runs/run-helpers';
import {
  AGENT_FIELDS, cliRequestLines, COMMENT_FIELDS, expectFieldsLike, ISSUE_FIELDS, LIVE_RUN_FIELDS, RecordedRequest, recordedRequest, reference, RUN_FIELDS,
} from './paperclip-reference';

type Check = (body: any) => void;

/**
 * What each recorded CLI request must get, in file order: the status, and the reply fields the
 * agent reads compared with Paperclip's reply to the same request.
 */
const EXPECTED: { route: RegExp; status: number; check?: Check }[] = [
  { route: /^GET \/api\/agents\/me$/, status: 200, check: (b) => expectFieldsLike(b, reference('agents-me'), AGENT_FIELDS) },
  {
    route: /^GET \/api\/agents\/me\/inbox-lite$/,
    status: 200,
    check: (b) => {
      const [paperclip] = reference('inbox-lite');
      expect(b).toHaveLength(1);
      expectFieldsLike(b[0], paperclip, ['id', 'identifier', 'title', 'status', 'priority', 'projectId', 'goalId', 'parentId', 'updatedAt', 'activeRun']);
      expectFieldsLike(b[0].activeRun, paperclip.activeRun, RUN_FIELDS);
    },
  },
  { route: /^POST \/api\/issues\/[^/]+\/checkout$/, status: 200, check: (b) => expectFieldsLike(b, reference('checkout-idempotent'), ISSUE_FIELDS) },
  {
    route: /^GET \/api\/issues\/[^/]+\/heartbeat-context$/,
    status: 200,
    check: (b) => {
      const paperclip = reference('heartbeat-context');
      expectFieldsLike(b, paperclip, ['issue', 'ancestors', 'commentCursor', 'wakeComment']);
      expectFieldsLike(b.issue, paperclip.issue, [
        'id', 'identifier', 'title', 'description', 'status', 'workMode', 'priority', 'projectId', 'goalId', 'parentId', 'blockedBy', 'blocks',
        'assigneeAgentId', 'assigneeUserId', 'updatedAt',
      ]);
      expectFieldsLike(b.ancestors[0], paperclip.ancestors[0], ['id', 'identifier', 'title', 'status', 'priority']);
      expectFieldsLike(b.commentCursor, paperclip.commentCursor, ['totalComments', 'latestCommentId', 'latestCommentAt']);
    },
  },
  {
    route: /^PATCH \/api\/issues\/[^/]+$/,
    status: 200,
    check: (b) => {
      const paperclip = reference('patch-with-comment');
      expectFieldsLike(b, paperclip, [...ISSUE_FIELDS, 'changes', 'comment']);
      expectFieldsLike(b.comment, paperclip.comment, COMMENT_FIELDS);
      expect(b).toMatchObject({ status: 'in_review', changes: { status: { from: 'in_progress', to: 'in_review' } }, comment: { body: 'ready' } });
    },
  },
  {
    route: /^PATCH \/api\/issues\/[^/]+$/,
    status: 200,
    check: (b) => {
      expect(b).toMatchObject({ title: 'T', requestDepth: 2, billingCode: 'X1', comment: null });
      expect(b.changes).toEqual({ title: { from: 'Reference issue', to: 'T' }, requestDepth: { from: 0, to: 2 }, billingCode: { from: null, to: 'X1' } });
    },
  },
  { route: /^POST \/api\/issues\/[^/]+\/comments$/, status: 201, check: (b) => expectFieldsLike(b, reference('comment-post'), COMMENT_FIELDS) },
  {
    route: /^GET \/api\/issues\/[^/]+\/comments$/,
    status: 200,
    check: (b) => {
      expect(b.map((c: { body: string }) => c.body)).toEqual(['hello', 'ready']);
      expectFieldsLike(b[0], reference('comments-after-asc')[0], COMMENT_FIELDS);
    },
  },
  {
    route: /^GET \/api\/issues\/[^/]+\/comments\/[^/]+$/,
    status: 200,
    check: (b) => {
      expect(b.body).toBe('hello');
      expectFieldsLike(b, reference('comment-get'), COMMENT_FIELDS);
    },
  },
  { route: /^GET \/api\/issues\/[^/]+\/active-run$/, status: 200, check: (b) => expectFieldsLike(b, reference('active-run'), [...LIVE_RUN_FIELDS, 'issueId']) },
  {
    route: /^GET \/api\/issues\/[^/]+\/live-runs$/,
    status: 200,
    check: (b) => {
      expect(b).toHaveLength(1);
      expectFieldsLike(b[0], reference('live-runs')[0], LIVE_RUN_FIELDS);
    },
  },
  {
    route: /^GET \/api\/issues\/[^/]+\/runs$/,
    status: 200,
    check: (b) => expectFieldsLike(b[0], reference('issue-runs')[0], ['runId', 'status', 'agentId', 'startedAt', 'finishedAt', 'createdAt', 'invocationSource']),
  },
  {
    route: /^POST \/api\/issues\/[^/]+\/release$/,
    status: 200,
    check: (b) => {
      expectFieldsLike(b, reference('release'), ISSUE_FIELDS);
      // ownership.md §5: only in_progress falls back to todo; the in_review issue keeps its status.
      expect(b).toMatchObject({ status: 'in_review', assigneeAgentId: null, checkoutRunId: null, executionRunId: null });
    },
  },
  // Board only in Paperclip too (ownership.md §9).
  { route: /^POST \/api\/issues\/[^/]+\/admin\/force-release$/, status: 403, check: (b) => expect(b.code).toBe('board_required') },
  {
    route: /^POST \/api\/companies\/[^/]+\/issues$/,
    status: 201,
    check: (b) => {
      expectFieldsLike(b, reference('create-subtask'), ISSUE_FIELDS);
      expect(b).toMatchObject({ title: 'sub', status: 'backlog', workMode: 'standard', requestDepth: 0, priority: 'medium' });
    },
  },
  { route: /^GET \/api\/companies\/[^/]+\/issues\?/, status: 200, check: (b) => expect(Array.isArray(b)).toBe(true) },
  {
    route: /^POST \/api\/agents\/[^/]+\/heartbeat\/invoke$/,
    status: 202,
    check: (b) => expectFieldsLike(b, reference('wakeup'), ['id', 'companyId', 'agentId', 'invocationSource', 'triggerDetail', 'status', 'startedAt', 'finishedAt', 'createdAt', 'updatedAt']),
  },
  // api.md §5: the company activity feed is for board members (agents read an issue's activity).
  { route: /^GET \/api\/companies\/[^/]+\/activity$/, status: 403, check: (b) => expect(b.code).toBe('board_required') },
];

describe("Paperclip CLI replay (cli-requests.jsonl, request for request)", () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t?.close());

  it('answers every recorded CLI request as an unchanged Paperclip agent expects', async () => {
    const company = await createCompany(t);
    const agent = await createAgent(t, company.id, { role: 'engineer' });
    const parent = await createIssue(t, company.id, { title: 'Parent epic' });
    const issue = await createIssue(t, company.id, { title: 'Reference issue', parentId: parent.id, assigneeAgentId: agent.id });
    const { runId, token } = await liveRun(t, agent, { invocationSource: 'assignment', issueId: issue.id });
    const ids: Record<string, string> = { aa: agent.id, cc: company.id, ee: issue.id, ff: runId };

    const lines = cliRequestLines();
    expect(lines).toHaveLength(EXPECTED.length);
    for (const [index, line] of lines.entries()) {
      // `…01` is the comment the CLI read back: the one it posted just before.
      const request = recordedRequest(line, ids);
      const res = await send(request, token);
      const call = `${request.method} ${request.url}`;
      const expected = EXPECTED[index];
      expect({ call, route: expected.route.test(call), status: res.status }).toEqual({ call, route: true, status: expected.status });
      expected.check?.(res.body);
      if (request.method === 'POST' && request.url.endsWith('/comments')) ids['01'] = res.body.id;
    }
  });

  async function send(request: RecordedRequest, token: string) {
    const headers = Object.fromEntries(
      Object.entries(request.headers).map(([name, value]) => [name, value.replace('AGENT_TOKEN', token)]),
    );
    const call = t.http()[request.method.toLowerCase() as 'get' | 'post' | 'patch'](request.url).set(headers);
    return request.body === undefined ? call : call.send(request.body as object);
  }
});

import { MigrationInterface, QueryRunner } from 'typeorm';

/** Every table of api.md §6, with the exact names tests and operators seed directly. */
export class InitialSchema1764000000000 implements MigrationInterface {
  name = 'InitialSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE companies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        description text,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','paused','archived')),
        issue_prefix text NOT NULL UNIQUE,
        issue_counter integer NOT NULL DEFAULT 0,
        require_board_approval_for_new_agents boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email text NOT NULL UNIQUE,
        name text NOT NULL,
        is_instance_admin boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );

      CREATE TABLE company_memberships (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        principal_type text NOT NULL CHECK (principal_type IN ('user','agent')),
        principal_id uuid NOT NULL,
        membership_role text NOT NULL CHECK (membership_role IN ('owner','admin','operator','viewer')),
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','suspended')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (company_id, principal_type, principal_id)
      );
      CREATE INDEX company_memberships_principal_idx ON company_memberships (principal_type, principal_id);

      CREATE TABLE board_api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        last_used_at timestamptz,
        revoked_at timestamptz,
        expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX board_api_keys_user_idx ON board_api_keys (user_id);

      CREATE TABLE agents (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        name text NOT NULL,
        role text NOT NULL DEFAULT 'general' CHECK (role IN ('ceo','cto','cmo','cfo','security','engineer','designer','pm','qa','devops','researcher','general')),
        title text,
        status text NOT NULL DEFAULT 'active' CHECK (status IN ('active','paused','idle','running','error','pending_approval','terminated')),
        reports_to uuid REFERENCES agents(id) ON DELETE SET NULL,
        adapter_type text NOT NULL DEFAULT 'process',
        adapter_config jsonb NOT NULL DEFAULT '{}',
        runtime_config jsonb NOT NULL DEFAULT '{}',
        permissions jsonb NOT NULL DEFAULT '{}',
        last_heartbeat_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX agents_company_idx ON agents (company_id);
      CREATE INDEX agents_reports_to_idx ON agents (reports_to);

      CREATE TABLE agent_api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        company_id uuid NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        name text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        last_used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX agent_api_keys_agent_idx ON agent_api_keys (agent_id);

      -- issue_id has no foreign key: a run only points at the issue it was woken for.
      CREATE TABLE heartbeat_runs (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        agent_id uuid NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
        invocation_source text NOT NULL DEFAULT 'on_demand' CHECK (invocation_source IN ('timer','assignment','on_demand','automation','manual')),
        trigger_detail text,
        status text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','running','succeeded','failed','cancelled','timed_out')),
        issue_id uuid,
        started_at timestamptz,
        finished_at timestamptz,
        last_heartbeat_at timestamptz,
        error text,
        error_code text,
        context_snapshot jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX heartbeat_runs_company_created_idx ON heartbeat_runs (company_id, created_at DESC);
      CREATE INDEX heartbeat_runs_agent_idx ON heartbeat_runs (agent_id, created_at DESC);
      CREATE INDEX heartbeat_runs_issue_idx ON heartbeat_runs (issue_id);
      CREATE INDEX heartbeat_runs_running_idx ON heartbeat_runs (status) WHERE status = 'running';

      -- checkout_run_id / execution_run_id carry no foreign key: a lock may name a run that is gone (ownership.md §6).
      CREATE TABLE issues (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        parent_id uuid REFERENCES issues(id) ON DELETE SET NULL,
        title text NOT NULL,
        description text,
        status text NOT NULL DEFAULT 'backlog' CHECK (status IN ('backlog','todo','in_progress','in_review','blocked','done','cancelled')),
        priority text NOT NULL DEFAULT 'medium' CHECK (priority IN ('critical','high','medium','low')),
        assignee_agent_id uuid REFERENCES agents(id) ON DELETE SET NULL,
        assignee_user_id uuid REFERENCES users(id) ON DELETE SET NULL,
        checkout_run_id uuid,
        execution_run_id uuid,
        execution_agent_name_key text,
        execution_locked_at timestamptz,
        created_by_agent_id uuid,
        created_by_user_id uuid,
        issue_number integer,
        identifier text UNIQUE,
        started_at timestamptz,
        completed_at timestamptz,
        cancelled_at timestamptz,
        hidden_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT issues_single_assignee CHECK (assignee_agent_id IS NULL OR assignee_user_id IS NULL)
      );
      CREATE INDEX issues_company_status_idx ON issues (company_id, status);
      CREATE INDEX issues_company_assignee_idx ON issues (company_id, assignee_agent_id);
      CREATE INDEX issues_parent_idx ON issues (parent_id);
      CREATE INDEX issues_execution_run_idx ON issues (execution_run_id) WHERE execution_run_id IS NOT NULL;
      CREATE INDEX issues_checkout_run_idx ON issues (checkout_run_id) WHERE checkout_run_id IS NOT NULL;
      CREATE UNIQUE INDEX issues_identifier_lower_idx ON issues (lower(identifier));

      CREATE TABLE issue_comments (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        issue_id uuid NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
        author_agent_id uuid,
        author_user_id uuid,
        created_by_run_id uuid,
        body text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX issue_comments_issue_created_idx ON issue_comments (issue_id, created_at, id);

      CREATE TABLE issue_relations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid NOT NULL REFERENCES companies(id) ON DELETE CASCADE,
        issue_id uuid NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
        related_issue_id uuid NOT NULL REFERENCES issues(id) ON DELETE CASCADE,
        type text NOT NULL DEFAULT 'blocks' CHECK (type IN ('blocks')),
        created_by_agent_id uuid,
        created_by_user_id uuid,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT issue_relations_not_self CHECK (issue_id <> related_issue_id),
        UNIQUE (issue_id, related_issue_id, type)
      );
      CREATE INDEX issue_relations_related_idx ON issue_relations (related_issue_id);

      -- No foreign keys: writing an audit row never locks an operational row.
      CREATE TABLE activity_log (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        company_id uuid,
        actor_type text NOT NULL CHECK (actor_type IN ('agent','user','system')),
        actor_id text NOT NULL,
        action text NOT NULL,
        entity_type text NOT NULL,
        entity_id text NOT NULL,
        agent_id uuid,
        run_id uuid,
        details jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz NOT NULL DEFAULT clock_timestamp()
      );
      CREATE INDEX activity_log_company_created_idx ON activity_log (company_id, created_at DESC, id DESC);
      CREATE INDEX activity_log_entity_idx ON activity_log (entity_type, entity_id, created_at DESC);
      CREATE INDEX activity_log_action_idx ON activity_log (action);

      -- Replays of a client's retried create: the first result is returned, no duplicate row.
      CREATE TABLE idempotency_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        actor_type text NOT NULL,
        actor_id uuid NOT NULL,
        scope text NOT NULL,
        key text NOT NULL,
        resource_id uuid NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (actor_type, actor_id, scope, key)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE IF EXISTS idempotency_keys, activity_log, issue_relations, issue_comments, issues,
        heartbeat_runs, agent_api_keys, agents, board_api_keys, company_memberships, users, companies CASCADE;
    `);
  }
}

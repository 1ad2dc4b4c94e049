-- wf PostgreSQL schema, version 1.
--
-- Placeholders: {{schema}} is the schema that holds the tables (default
-- public) and {{prefix}} starts every table, index and constraint name
-- (default wf_). postgres.Migrate substitutes both; to apply this file with
-- another tool, replace them first and record the version yourself:
--   INSERT INTO public.wf_migrations (version, name) VALUES (1, 'init');
--
-- Portable on purpose (CockroachDB, YugabyteDB, Neon, behind PgBouncer): no
-- foreign keys, triggers, PL/pgSQL, sequences or advisory locks; IDs come
-- from the application. JSON columns are json, not jsonb, so that stored
-- payloads come back byte for byte.

CREATE TABLE IF NOT EXISTS {{schema}}.{{prefix}}migrations (
	version    integer     NOT NULL,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT {{prefix}}migrations_pkey PRIMARY KEY (version)
);

-- A run's routing record, beside its log. lease_owner is '' and
-- lease_expires_at NULL when no one holds the lease.
CREATE TABLE {{schema}}.{{prefix}}runs (
	id               text        NOT NULL,
	workflow_id      text        NOT NULL,
	version          text        NOT NULL DEFAULT '',
	status           text        NOT NULL,
	input            json,
	output           json,
	error            json,
	awaiting         json,
	wake_at          timestamptz,
	delivery_seq     bigint      NOT NULL DEFAULT 0,
	schedule_id      text        NOT NULL DEFAULT '',
	lease_owner      text        NOT NULL DEFAULT '',
	lease_expires_at timestamptz,
	created_at       timestamptz NOT NULL,
	updated_at       timestamptz NOT NULL,
	CONSTRAINT {{prefix}}runs_pkey PRIMARY KEY (id)
) WITH (fillfactor = 80);

-- ClaimStaleRuns: live runs, oldest first. No index holds a lease column,
-- so claims, heartbeats and releases are HOT updates (no index writes),
-- which the fillfactor leaves room for.
CREATE INDEX {{prefix}}runs_live_idx ON {{schema}}.{{prefix}}runs (created_at, id)
	WHERE status IN ('queued', 'running');

-- ListRuns, newest first, all runs or one workflow's.
CREATE INDEX {{prefix}}runs_created_idx ON {{schema}}.{{prefix}}runs (created_at, id);
CREATE INDEX {{prefix}}runs_workflow_idx ON {{schema}}.{{prefix}}runs (workflow_id, created_at, id);

-- PurgeRuns: terminal runs by age. Partial, so live runs never touch it.
CREATE INDEX {{prefix}}runs_purge_idx ON {{schema}}.{{prefix}}runs (updated_at)
	WHERE status IN ('finished', 'errored', 'aborted', 'canceled');

-- The append-only log. The primary key is the compare-and-swap: a lost race
-- is a unique violation on (run_id, idx).
CREATE TABLE {{schema}}.{{prefix}}events (
	run_id text    NOT NULL,
	idx    integer NOT NULL,
	data   json    NOT NULL,
	CONSTRAINT {{prefix}}events_pkey PRIMARY KEY (run_id, idx)
);

-- Due times that wake paused runs, with the sweeper's lease.
CREATE TABLE {{schema}}.{{prefix}}timers (
	run_id           text        NOT NULL,
	step_id          text        NOT NULL,
	wake_at          timestamptz NOT NULL,
	lease_owner      text        NOT NULL DEFAULT '',
	lease_expires_at timestamptz,
	CONSTRAINT {{prefix}}timers_pkey PRIMARY KEY (run_id, step_id)
);

CREATE INDEX {{prefix}}timers_wake_idx ON {{schema}}.{{prefix}}timers (wake_at);

-- Stored resolutions of waits: idempotent by signal, one per wait.
CREATE TABLE {{schema}}.{{prefix}}deliveries (
	run_id    text NOT NULL,
	signal_id text NOT NULL,
	step_id   text NOT NULL,
	data      json NOT NULL,
	CONSTRAINT {{prefix}}deliveries_pkey PRIMARY KEY (run_id, signal_id),
	CONSTRAINT {{prefix}}deliveries_step_key UNIQUE (run_id, step_id)
);

CREATE TABLE {{schema}}.{{prefix}}schedules (
	id          text        NOT NULL,
	workflow_id text        NOT NULL,
	spec        text        NOT NULL,
	overlap     text        NOT NULL DEFAULT '',
	input       json,
	enabled     boolean     NOT NULL,
	updated_at  timestamptz NOT NULL,
	CONSTRAINT {{prefix}}schedules_pkey PRIMARY KEY (id)
);

-- One fire time of a schedule and the run it starts.
CREATE TABLE {{schema}}.{{prefix}}schedule_buckets (
	schedule_id      text        NOT NULL,
	bucket_id        text        NOT NULL,
	run_id           text        NOT NULL,
	fire_at          timestamptz NOT NULL,
	status           text        NOT NULL,
	lease_owner      text        NOT NULL DEFAULT '',
	lease_expires_at timestamptz,
	started_at       timestamptz,
	CONSTRAINT {{prefix}}schedule_buckets_pkey PRIMARY KEY (schedule_id, bucket_id)
);

-- ClaimDueBuckets: pending buckets by fire time.
CREATE INDEX {{prefix}}schedule_buckets_due_idx ON {{schema}}.{{prefix}}schedule_buckets (fire_at)
	WHERE status = 'pending';

-- ListBuckets: one schedule's buckets, newest first.
CREATE INDEX {{prefix}}schedule_buckets_list_idx ON {{schema}}.{{prefix}}schedule_buckets (schedule_id, fire_at);

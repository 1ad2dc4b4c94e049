-- wf schema migration 0001 (init), table prefix "wf_".
-- Written by wfcloudflare migrations; apply with `wrangler d1 migrations apply`.

CREATE TABLE wf_migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
);

CREATE TABLE wf_runs (
    id               TEXT    NOT NULL PRIMARY KEY,
    workflow_id      TEXT    NOT NULL,
    version          TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL,
    input            TEXT,
    output           TEXT,
    error            TEXT,
    awaiting         TEXT,
    wake_at          INTEGER,
    delivery_seq     INTEGER NOT NULL DEFAULT 0,
    schedule_id      TEXT    NOT NULL DEFAULT '',
    lease_owner      TEXT    NOT NULL DEFAULT '',
    lease_expires_at INTEGER NOT NULL DEFAULT 0,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
);

CREATE INDEX wf_runs_created ON wf_runs (created_at, id);

CREATE INDEX wf_runs_workflow_created ON wf_runs (workflow_id, created_at, id);

CREATE INDEX wf_runs_status_created ON wf_runs (status, created_at, id);

CREATE INDEX wf_runs_status_lease ON wf_runs (status, lease_expires_at, updated_at);

CREATE TABLE wf_events (
    run_id  TEXT    NOT NULL,
    idx     INTEGER NOT NULL,
    type    TEXT    NOT NULL,
    step_id TEXT    NOT NULL DEFAULT '',
    data    TEXT    NOT NULL,
    PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;

CREATE TABLE wf_timers (
    run_id           TEXT    NOT NULL,
    step_id          TEXT    NOT NULL,
    wake_at          INTEGER NOT NULL,
    lease_owner      TEXT    NOT NULL DEFAULT '',
    lease_expires_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, step_id)
) WITHOUT ROWID;

CREATE INDEX wf_timers_wake ON wf_timers (wake_at);

CREATE TABLE wf_deliveries (
    run_id     TEXT    NOT NULL,
    signal_id  TEXT    NOT NULL,
    step_id    TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, signal_id),
    UNIQUE (run_id, step_id)
) WITHOUT ROWID;

CREATE TABLE wf_schedules (
    id          TEXT    NOT NULL PRIMARY KEY,
    workflow_id TEXT    NOT NULL,
    spec        TEXT    NOT NULL,
    overlap     TEXT    NOT NULL DEFAULT '',
    input       TEXT,
    enabled     INTEGER NOT NULL DEFAULT 1,
    updated_at  INTEGER NOT NULL
);

CREATE TABLE wf_schedule_buckets (
    schedule_id      TEXT    NOT NULL,
    bucket_id        TEXT    NOT NULL,
    run_id           TEXT    NOT NULL,
    fire_at          INTEGER NOT NULL,
    status           TEXT    NOT NULL,
    lease_owner      TEXT    NOT NULL DEFAULT '',
    lease_expires_at INTEGER NOT NULL DEFAULT 0,
    started_at       INTEGER,
    PRIMARY KEY (schedule_id, bucket_id)
);

CREATE INDEX wf_schedule_buckets_due ON wf_schedule_buckets (status, fire_at);

CREATE INDEX wf_schedule_buckets_fire ON wf_schedule_buckets (schedule_id, fire_at, bucket_id);

INSERT INTO wf_migrations (version, name, applied_at) VALUES (1, 'init', CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));

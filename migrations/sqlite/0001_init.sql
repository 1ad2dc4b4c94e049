-- wf schema, version 1, for SQLite and Cloudflare D1.
--
-- {{prefix}} is replaced by the table prefix (default wf_). The statements
-- stay within what D1 accepts: no PRAGMA, no ATTACH, no triggers, no foreign
-- keys, no extensions. Instants are INTEGER unix microseconds (UTC), exact and sortable and
-- within a JavaScript number's 2^53. JSON values are TEXT. A lease that
-- nobody holds is lease_owner '' with lease_expires_at 0, so that "free or
-- expired" is one range: lease_expires_at <= now.

CREATE TABLE {{prefix}}migrations (
    version    INTEGER NOT NULL PRIMARY KEY,
    name       TEXT    NOT NULL,
    applied_at INTEGER NOT NULL
);

-- A run's routing record, beside its log. State is rebuilt by replay.
CREATE TABLE {{prefix}}runs (
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
-- ListRuns pages, newest first, overall, per workflow and per status.
CREATE INDEX {{prefix}}runs_created ON {{prefix}}runs (created_at, id);
CREATE INDEX {{prefix}}runs_workflow_created ON {{prefix}}runs (workflow_id, created_at, id);
CREATE INDEX {{prefix}}runs_status_created ON {{prefix}}runs (status, created_at, id);
-- Stale-run recovery (queued or running runs whose lease is free or expired)
-- and retention (terminal runs, never leased, by last update): one index
-- fewer for every commit to write.
CREATE INDEX {{prefix}}runs_status_lease ON {{prefix}}runs (status, lease_expires_at, updated_at);

-- The append-only log. The primary key is the compare-and-swap: a writer
-- that lost the race for an index fails on it. WITHOUT ROWID keeps a run's
-- log together, in order, in one b-tree: an append writes one page.
CREATE TABLE {{prefix}}events (
    run_id  TEXT    NOT NULL,
    idx     INTEGER NOT NULL,
    type    TEXT    NOT NULL,
    step_id TEXT    NOT NULL DEFAULT '',
    data    TEXT    NOT NULL,
    PRIMARY KEY (run_id, idx)
) WITHOUT ROWID;

-- Due times that wake paused runs, leased by the sweeper that delivers them.
CREATE TABLE {{prefix}}timers (
    run_id           TEXT    NOT NULL,
    step_id          TEXT    NOT NULL,
    wake_at          INTEGER NOT NULL,
    lease_owner      TEXT    NOT NULL DEFAULT '',
    lease_expires_at INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (run_id, step_id)
) WITHOUT ROWID;
CREATE INDEX {{prefix}}timers_wake ON {{prefix}}timers (wake_at);

-- Stored resolutions of waits: idempotent by signal ID, one per wait.
CREATE TABLE {{prefix}}deliveries (
    run_id     TEXT    NOT NULL,
    signal_id  TEXT    NOT NULL,
    step_id    TEXT    NOT NULL,
    data       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, signal_id),
    UNIQUE (run_id, step_id)
) WITHOUT ROWID;

CREATE TABLE {{prefix}}schedules (
    id          TEXT    NOT NULL PRIMARY KEY,
    workflow_id TEXT    NOT NULL,
    spec        TEXT    NOT NULL,
    overlap     TEXT    NOT NULL DEFAULT '',
    input       TEXT,
    enabled     INTEGER NOT NULL DEFAULT 1,
    updated_at  INTEGER NOT NULL
);

-- One row per fire time of a schedule, with the run it starts.
CREATE TABLE {{prefix}}schedule_buckets (
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
CREATE INDEX {{prefix}}schedule_buckets_due ON {{prefix}}schedule_buckets (status, fire_at);
CREATE INDEX {{prefix}}schedule_buckets_fire ON {{prefix}}schedule_buckets (schedule_id, fire_at, bucket_id);

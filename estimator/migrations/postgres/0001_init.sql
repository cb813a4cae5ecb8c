-- Estimates, the documents they were measured on, rendered proposals, the Odoo outbox and
-- what has been pushed to Odoo. Bodies are JSON: the estimate contract evolves by adding
-- fields, and a row written by an older version still reads.
CREATE TABLE IF NOT EXISTS estimates (
    id TEXT PRIMARY KEY,
    reference TEXT NOT NULL,
    version BIGINT NOT NULL,
    client TEXT NOT NULL,
    title TEXT NOT NULL,
    total_ht TEXT NOT NULL,
    total_ttc TEXT NOT NULL,
    opportunity_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS estimates_updated ON estimates (updated_at DESC);
CREATE INDEX IF NOT EXISTS estimates_opportunity ON estimates (opportunity_id);

CREATE TABLE IF NOT EXISTS documents (
    estimate_id TEXT NOT NULL REFERENCES estimates (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    file TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    takeoff TEXT NOT NULL,
    PRIMARY KEY (estimate_id, position)
);

CREATE TABLE IF NOT EXISTS proposals (
    estimate_id TEXT NOT NULL REFERENCES estimates (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    language TEXT NOT NULL,
    pdf BYTEA NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (estimate_id, version, language)
);

CREATE TABLE IF NOT EXISTS outbox (
    id BIGSERIAL PRIMARY KEY,
    kind TEXT NOT NULL,
    job_key TEXT NOT NULL UNIQUE,
    payload TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    rerun BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    locked_by TEXT,
    locked_until BIGINT,
    last_error TEXT,
    result TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, next_attempt_at);

CREATE TABLE IF NOT EXISTS odoo_links (
    estimate_id TEXT PRIMARY KEY,
    order_id BIGINT NOT NULL,
    order_name TEXT NOT NULL,
    pushed_version BIGINT NOT NULL,
    attachment_id BIGINT,
    updated_at BIGINT NOT NULL
);

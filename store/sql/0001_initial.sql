-- Runs, plans, samples and their full provenance.
CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    requirement TEXT NOT NULL,
    size INTEGER NOT NULL,
    model TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,            -- planning | running | done | failed
    settings TEXT,                   -- JSON, never holds secrets
    program_id TEXT REFERENCES programs(id),
    started_at TEXT NOT NULL,
    finished_at TEXT,
    wall_s REAL,
    error TEXT
);

CREATE TABLE specs (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id),
    version INTEGER NOT NULL,
    scope TEXT NOT NULL,             -- JSON
    spec TEXT NOT NULL,              -- JSON
    created_at TEXT NOT NULL
);

CREATE TABLE subtasks (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id),
    spec_id TEXT NOT NULL REFERENCES specs(id),
    key TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    capability TEXT,
    modalities TEXT,                 -- JSON list
    answer_type TEXT NOT NULL,
    sample_schema TEXT,              -- JSON
    rationale TEXT,
    importance REAL,
    quota INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sources (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,              -- builtin | user | generator
    modalities TEXT,                 -- JSON list
    description TEXT NOT NULL,
    fields TEXT,                     -- JSON
    size INTEGER,
    license TEXT,
    keywords TEXT,
    card TEXT                        -- JSON, the whole card
);

CREATE VIRTUAL TABLE sources_fts USING fts5(
    name, description, keywords, content='sources', content_rowid='rowid'
);
CREATE TRIGGER sources_ai AFTER INSERT ON sources BEGIN
    INSERT INTO sources_fts(rowid, name, description, keywords)
    VALUES (new.rowid, new.name, new.description, new.keywords);
END;
CREATE TRIGGER sources_ad AFTER DELETE ON sources BEGIN
    INSERT INTO sources_fts(sources_fts, rowid, name, description, keywords)
    VALUES ('delete', old.rowid, old.name, old.description, old.keywords);
END;
CREATE TRIGGER sources_au AFTER UPDATE ON sources BEGIN
    INSERT INTO sources_fts(sources_fts, rowid, name, description, keywords)
    VALUES ('delete', old.rowid, old.name, old.description, old.keywords);
    INSERT INTO sources_fts(rowid, name, description, keywords)
    VALUES (new.rowid, new.name, new.description, new.keywords);
END;

CREATE TABLE groundings (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id),
    subtask_id TEXT NOT NULL REFERENCES subtasks(id),
    source_id TEXT NOT NULL REFERENCES sources(id),
    kind TEXT,                       -- qa_like | metadata_rich
    plan TEXT NOT NULL,              -- JSON transformation plan
    scores TEXT,                     -- JSON: alignment, coverage, simplicity, risk
    score REAL,
    accepted INTEGER NOT NULL,
    share INTEGER NOT NULL DEFAULT 0,   -- records of the quota this source is to deliver
    rationale TEXT
);

CREATE TABLE slots (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id),
    subtask_id TEXT NOT NULL REFERENCES subtasks(id),
    source_id TEXT NOT NULL REFERENCES sources(id),
    grounding_id TEXT REFERENCES groundings(id),
    record_index INTEGER NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL,            -- pending | accepted | rejected | failed
    reason TEXT,
    UNIQUE (run_id, subtask_id, source_id, record_index)
);

CREATE TABLE programs (
    id TEXT PRIMARY KEY,
    hash TEXT NOT NULL,
    parent_id TEXT REFERENCES programs(id),
    optimizer TEXT,
    state TEXT NOT NULL,             -- DSPy JSON state
    train_sample_ids TEXT,           -- JSON list
    metrics TEXT,                    -- JSON before/after figures
    created_at TEXT NOT NULL
);

CREATE TABLE samples (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id),
    subtask_id TEXT NOT NULL REFERENCES subtasks(id),
    slot_id TEXT NOT NULL REFERENCES slots(id),
    source_id TEXT NOT NULL REFERENCES sources(id),
    record TEXT,                     -- JSON source record (original.*)
    brief TEXT,                      -- JSON design brief
    question TEXT,
    options TEXT,                    -- JSON list, NULL unless choice
    answer TEXT,
    input TEXT,                      -- JSON final.input
    output TEXT,                     -- JSON final.output
    answer_origin TEXT,              -- tool | llm
    status TEXT NOT NULL,            -- ok | fixed | rejected
    reasons TEXT,                    -- JSON list
    program_id TEXT REFERENCES programs(id),
    created_at TEXT NOT NULL
);

CREATE TABLE assets (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id),
    sample_id TEXT REFERENCES samples(id),
    name TEXT NOT NULL,
    mime TEXT NOT NULL,
    width INTEGER,
    height INTEGER,
    sha256 TEXT NOT NULL,
    content BLOB NOT NULL
);

CREATE TABLE steps (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id),
    parent_id TEXT REFERENCES steps(id),
    slot_id TEXT REFERENCES slots(id),
    sample_id TEXT REFERENCES samples(id),
    stage TEXT,                      -- scope | design | grounding | allocation | realize | verify
    name TEXT NOT NULL,
    kind TEXT NOT NULL,              -- module | stage
    inputs TEXT,
    outputs TEXT,
    status TEXT NOT NULL,            -- ok | failed
    error TEXT,
    started_at TEXT NOT NULL,
    duration_ms REAL
);

CREATE TABLE lm_calls (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id),
    step_id TEXT REFERENCES steps(id),
    slot_id TEXT REFERENCES slots(id),
    sample_id TEXT REFERENCES samples(id),
    stage TEXT,
    model TEXT NOT NULL,
    messages TEXT,                   -- JSON
    response TEXT,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    cached_tokens INTEGER,
    cost REAL,
    latency_ms REAL,
    cache_hit INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL,
    error TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE tool_calls (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id),
    step_id TEXT REFERENCES steps(id),
    slot_id TEXT REFERENCES slots(id),
    sample_id TEXT REFERENCES samples(id),
    tool TEXT NOT NULL,
    args TEXT,
    result TEXT,
    status TEXT NOT NULL,
    error TEXT,
    started_at TEXT NOT NULL,
    duration_ms REAL
);

CREATE TABLE verdicts (
    id TEXT PRIMARY KEY,
    run_id TEXT NOT NULL REFERENCES runs(id),
    sample_id TEXT NOT NULL REFERENCES samples(id),
    stage TEXT NOT NULL,             -- check | inspector | repair | solver
    name TEXT NOT NULL,
    passed INTEGER NOT NULL,
    severity TEXT,                   -- fatal | major | minor
    detail TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE reviews (
    id TEXT PRIMARY KEY,
    sample_id TEXT NOT NULL REFERENCES samples(id),
    reviewer TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject')),
    reason TEXT,
    created_at TEXT NOT NULL
);

CREATE INDEX idx_specs_run ON specs(run_id);
CREATE INDEX idx_subtasks_run ON subtasks(run_id);
CREATE INDEX idx_groundings_subtask ON groundings(subtask_id);
CREATE INDEX idx_slots_run ON slots(run_id, status);
CREATE INDEX idx_samples_run ON samples(run_id, status);
CREATE INDEX idx_samples_subtask ON samples(subtask_id);
CREATE INDEX idx_assets_sample ON assets(sample_id);
CREATE INDEX idx_steps_run ON steps(run_id, slot_id);
CREATE INDEX idx_steps_slot ON steps(slot_id);
CREATE INDEX idx_steps_sample ON steps(sample_id);
CREATE INDEX idx_lm_calls_run ON lm_calls(run_id, slot_id);
CREATE INDEX idx_lm_calls_slot ON lm_calls(slot_id);
CREATE INDEX idx_lm_calls_step ON lm_calls(step_id);
CREATE INDEX idx_tool_calls_slot ON tool_calls(slot_id);
CREATE INDEX idx_verdicts_sample ON verdicts(sample_id);
CREATE INDEX idx_reviews_sample ON reviews(sample_id);

-- Paired builds of `benchagent ab`: one spec and seed built without and with a compiled program, so that the reviews
-- that follow measure what the program changed on the same records.
CREATE TABLE ab_pairs (
    id TEXT PRIMARY KEY,
    program_id TEXT NOT NULL REFERENCES programs(id),
    plain_run_id TEXT NOT NULL REFERENCES runs(id),      -- built without a program
    compiled_run_id TEXT NOT NULL REFERENCES runs(id),   -- built with program_id
    seed INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

CREATE INDEX idx_ab_pairs_program ON ab_pairs(program_id);

-- Predictions of models scored on a run's accepted samples by `benchagent eval`, one row per (eval, model, sample).
CREATE TABLE evals (
    id TEXT PRIMARY KEY,
    eval_id TEXT NOT NULL,               -- one `benchagent eval` invocation
    run_id TEXT NOT NULL REFERENCES runs(id),
    sample_id TEXT NOT NULL REFERENCES samples(id),
    model TEXT NOT NULL,                 -- secret-free model string
    model_rank INTEGER NOT NULL,         -- the model's place in the order given (size order for consistency)
    saw_image INTEGER NOT NULL,          -- 0 when the item has an image this text-only model was not shown
    raw_output TEXT,
    parsed_answer TEXT,                  -- the option text, number or text read from raw_output
    correct INTEGER NOT NULL,
    prompt_tokens INTEGER,
    completion_tokens INTEGER,
    latency_ms REAL,
    error TEXT,                          -- the model call's error, when it failed
    created_at TEXT NOT NULL
);

CREATE INDEX idx_evals_run ON evals(run_id, eval_id, model_rank);
CREATE INDEX idx_evals_sample ON evals(sample_id);

-- A failed or rejected slot's reason category (a check, inspector category or failure kind) in its own column.
ALTER TABLE slots ADD COLUMN category TEXT;

UPDATE slots SET category = CASE WHEN instr(reason, ':') > 0 THEN substr(reason, 1, instr(reason, ':') - 1)
                                 ELSE reason END
WHERE status IN ('failed', 'rejected') AND reason IS NOT NULL;

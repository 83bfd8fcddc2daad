-- The control loop's leadership term, the fencing token of its acting transactions.
-- The advisory lock elects the leader; the lock alone cannot stop a leader whose session
-- just died from committing a transaction it had in flight while a successor already acts.
-- Each new leader bumps the term once it holds the lock; every acting transaction first
-- locks this row FOR SHARE and compares the term it was elected with: a deposed leader's
-- transaction is refused, and a takeover's bump waits for in-flight acts to end, so the
-- successor's first pass sees everything its predecessor committed.
BEGIN;

CREATE TABLE control_leadership (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  term bigint NOT NULL DEFAULT 0 CHECK (term >= 0),
  holder text NOT NULL DEFAULT '' CHECK (length(holder) <= 200),
  taken_at timestamptz
);
INSERT INTO control_leadership (id) VALUES (true);

-- Least privilege: the Scaler reads and bumps the one row; nobody else needs it.
REVOKE ALL ON control_leadership FROM autoserve_scaler, autoserve_context;
GRANT SELECT, UPDATE (term, holder, taken_at) ON control_leadership TO autoserve_scaler;

COMMIT;

-- The engine's reversal memory reads an app's scaling actions further back than its
-- recommendations (seven down windows: 35 minutes at the default 300 s). Acted rows are a small
-- share of scaling_decisions (a repeated recommendation merges, an action is a row of its own),
-- so a partial index lets that read skip every non-acting row in between.
CREATE INDEX idx_scaling_decisions_app_acted ON scaling_decisions (app_name, decided_at DESC)
  WHERE acted;

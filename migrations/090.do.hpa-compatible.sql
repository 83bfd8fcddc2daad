-- One switch that turns every autoscaling addition off, so an app can run the
-- Kubernetes HPA algorithm exactly (issue 14). Existing policies keep ours.
ALTER TABLE scaling_policies
  ADD COLUMN hpa_compatible boolean NOT NULL DEFAULT false;

-- Whether a decision's recommendation is part of the stabilization history.
-- False where the HPA records none although the count changed: a correction of
-- a count outside [min, max] (horizontal.go never reaches normalization there).
ALTER TABLE scaling_decisions
  ADD COLUMN in_history boolean NOT NULL DEFAULT true;

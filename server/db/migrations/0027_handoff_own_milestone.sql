-- Review of issues 14 and 15: a hand-off's milestone is its own. A conversation reopened by the
-- citizen and handed off again (to Burgerzaken, later to Belastingen) has two open hand-offs, each
-- with a milestone of its own: completing or cancelling one meets or ends ITS milestone
-- (handoffs.milestone_id, since 0015), never the other's, which the lifecycle used to pick by kind.
-- Released migrations are never edited; add a new file instead.

-- The lookups "which milestones do the conversation's open hand-offs hold" and the reports' joins.
CREATE INDEX handoffs_milestone_idx ON handoffs (milestone_id) WHERE milestone_id IS NOT NULL;

-- Backfill where it is unambiguous: a hand-off without a link (made before the kind `handoff`
-- existed, or handed on again onto a breached promise) gets the milestone of its kind (callback for
-- a callback, handoff otherwise) on its conversation when exactly one such milestone is free —
-- linked to no other hand-off, or only to hand-offs sent back to the KCC (misrouted: their promise
-- went on with the question) — and no other unlinked hand-off could claim the same one.
WITH candidates AS (
  SELECT h.id AS handoff_id, m.id AS milestone_id,
         count(*) OVER (PARTITION BY h.id) AS per_handoff,
         count(*) OVER (PARTITION BY m.id) AS per_milestone
    FROM handoffs h
    JOIN milestones m ON m.conversation_id = h.conversation_id
                     AND m.kind = CASE WHEN h.action = 'callback' THEN 'callback' ELSE 'handoff' END
   WHERE h.milestone_id IS NULL
     AND NOT EXISTS (SELECT 1 FROM handoffs o WHERE o.milestone_id = m.id AND o.status <> 'misrouted')
)
UPDATE handoffs h SET milestone_id = c.milestone_id
  FROM candidates c
 WHERE c.handoff_id = h.id AND c.per_handoff = 1 AND c.per_milestone = 1;

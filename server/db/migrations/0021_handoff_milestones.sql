-- Issue 14, the back office's second step.
-- 1. A hand-off that is not a callback (answer by e-mail, another action) carries a milestone of
--    its own, kind `handoff`, with the hand-off's term; the back office completing it meets it
--    (met_by `back_office`). Recomputed on calendar changes like every stated term.
-- 2. Cancelling a hand-off (the KCC agent who made it, or a supervisor) ends its milestone as not
--    applicable (`handoff_cancelled`) and records who, when and why.
-- 3. Busy periods read from a member's iCalendar free/busy address: when it was last read, and
--    why it could not be (shown to admins, never a reason to refuse a hand-off).
ALTER TABLE milestones DROP CONSTRAINT milestones_kind_check;
ALTER TABLE milestones ADD CONSTRAINT milestones_kind_check
  CHECK (kind IN ('acknowledgement', 'answer', 'complexAnswer', 'callback', 'pickup', 'handoff'));
ALTER TABLE milestones DROP CONSTRAINT milestones_met_by_check;
ALTER TABLE milestones ADD CONSTRAINT milestones_met_by_check
  CHECK (met_by IN ('acknowledgement', 'reply', 'answer', 'interim', 'pickup', 'callback', 'other_channel', 'close', 'back_office'));
ALTER TABLE milestones DROP CONSTRAINT milestones_ended_reason_check;
ALTER TABLE milestones ADD CONSTRAINT milestones_ended_reason_check
  CHECK (ended_reason IN ('auto_reply', 'spam', 'duplicate', 'withdrawn', 'abandoned', 'handed_to_back_office', 'handed_to_callback',
                          'closed_before_tracking', 'handoff_cancelled'));

ALTER TABLE handoffs
  ADD COLUMN cancelled_at  timestamptz,
  ADD COLUMN cancelled_by  bigint REFERENCES agents (id) ON DELETE SET NULL,
  ADD COLUMN cancel_reason text CHECK (length(cancel_reason) <= 1000),
  ADD CONSTRAINT handoffs_cancelled_check CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL AND cancel_reason IS NOT NULL));

ALTER TABLE agent_availability
  ADD COLUMN ical_checked_at timestamptz,
  ADD COLUMN ical_error      text CHECK (length(ical_error) <= 200);

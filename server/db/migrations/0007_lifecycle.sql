-- One conversation lifecycle (issue 11 §1–4): milestones end as not applicable (with a reason and
-- who ended them) or are suspended while the gemeente waits on the citizen; closing a chat left
-- before pickup records it as abandoned; "vraag aan inwoner" is a reply kind; call attempts of a
-- callback are recorded.
-- Released migrations are never edited; add a new file instead.

-- ── Milestones ──────────────────────────────────────────────────────────────
-- suspended: waiting on the citizen (opschorting); remaining_seconds keeps the business time that
-- was left, and the term runs on from the citizen's reply. not_applicable: ended by closing (geen
-- antwoord nodig, a hand-off) or by the citizen leaving a queued chat; excluded from compliance but
-- counted beside it, per agent (ended_by), so that nobody improves the figures unseen.
ALTER TABLE milestones DROP CONSTRAINT milestones_state_check;
ALTER TABLE milestones ADD CONSTRAINT milestones_state_check
  CHECK (state IN ('open', 'due_soon', 'breached', 'met', 'met_late', 'suspended', 'not_applicable'));
ALTER TABLE milestones DROP CONSTRAINT milestones_met_by_check;
-- other_channel: the agent recorded the answer given by phone or at the desk; close: met by closing
-- as afgehandeld in eerste contact.
ALTER TABLE milestones ADD CONSTRAINT milestones_met_by_check
  CHECK (met_by IN ('acknowledgement', 'reply', 'answer', 'interim', 'pickup', 'callback', 'other_channel', 'close'));
ALTER TABLE milestones
  ADD COLUMN ended_at          timestamptz,
  ADD COLUMN ended_reason      text CHECK (ended_reason IN ('auto_reply', 'spam', 'duplicate', 'withdrawn', 'abandoned', 'handed_to_back_office', 'handed_to_callback', 'closed_before_tracking')),
  ADD COLUMN ended_by          bigint REFERENCES agents (id) ON DELETE SET NULL,
  ADD COLUMN suspended_at      timestamptz,
  ADD COLUMN remaining_seconds numeric CHECK (remaining_seconds >= 0),
  -- Set when a suspended term resumed: from then on it is due remaining_seconds of business time
  -- after resumed_at, not a term after starts_at — a calendar recompute must count it that way.
  ADD COLUMN resumed_at        timestamptz,
  ADD CONSTRAINT milestones_not_applicable_check CHECK ((state = 'not_applicable') = (ended_reason IS NOT NULL AND ended_at IS NOT NULL)),
  ADD CONSTRAINT milestones_suspended_check CHECK ((state = 'suspended') = (suspended_at IS NOT NULL)),
  ADD CONSTRAINT milestones_remaining_check CHECK ((suspended_at IS NULL AND resumed_at IS NULL) = (remaining_seconds IS NULL));

-- ── Conversations ───────────────────────────────────────────────────────────
ALTER TABLE conversations DROP CONSTRAINT conversations_outcome_check;
ALTER TABLE conversations ADD CONSTRAINT conversations_outcome_check
  CHECK (outcome IN ('handled_first_contact', 'back_office', 'callback_requested', 'no_answer_needed', 'abandoned'));
-- Why nothing needed answering, with outcome no_answer_needed.
ALTER TABLE conversations ADD COLUMN outcome_reason text CHECK (outcome_reason IN ('auto_reply', 'spam', 'duplicate', 'withdrawn'));

-- Closed conversations carried open milestones before issue 11 (closing left them open, and they
-- breached days later). They end as not applicable: nobody can tell now what the citizen received.
UPDATE milestones m SET state = 'not_applicable', ended_at = coalesce(c.closed_at, now()), ended_reason =
         CASE c.outcome WHEN 'back_office' THEN 'handed_to_back_office' WHEN 'callback_requested' THEN 'handed_to_callback' ELSE 'closed_before_tracking' END,
       updated_at = now()
  FROM conversations c
 WHERE c.id = m.conversation_id AND c.status = 'closed' AND m.kind <> 'callback' AND m.state IN ('open', 'due_soon', 'breached');

-- ── Messages ────────────────────────────────────────────────────────────────
ALTER TABLE messages DROP CONSTRAINT messages_reply_kind_check;
ALTER TABLE messages ADD CONSTRAINT messages_reply_kind_check CHECK (reply_kind IN ('reply', 'answer', 'interim', 'question'));

-- ── Call attempts of a callback request ─────────────────────────────────────
-- An attempt that reached the citizen meets the callback milestone; others are recorded only.
CREATE TABLE callback_attempts (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  agent_id        bigint REFERENCES agents (id) ON DELETE SET NULL,
  reached         boolean NOT NULL,
  at              timestamptz NOT NULL,
  note            text CHECK (length(note) <= 1000),
  created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX callback_attempts_conversation_idx ON callback_attempts (conversation_id, at);

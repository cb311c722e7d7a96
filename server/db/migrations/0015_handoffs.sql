-- Hand-offs (contactverzoeken, issue 14 §2, §4): a question the KCC passes to a team or a person,
-- as a callback, an answer by e-mail or another action, with the citizen's addresses and the
-- deadline; the call attempts on it; its route (forwarded, sent back as misrouted). Phone contacts
-- are conversations of channel `phone`. Klantinteracties: a hand-off is an *interne taak* on the
-- conversation's *klantcontact*; docs/backoffice.md maps every column.
-- Released migrations are never edited; add a new file instead.

ALTER TABLE conversations DROP CONSTRAINT conversations_channel_check;
ALTER TABLE conversations ADD CONSTRAINT conversations_channel_check CHECK (channel IN ('chat', 'email', 'phone'));

CREATE TABLE handoffs (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conversation_id  bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  team_id          bigint REFERENCES teams (id) ON DELETE RESTRICT,
  assignee_id      bigint REFERENCES agents (id) ON DELETE SET NULL,
  -- gevraagdeHandeling: terugbellen, beantwoorden per e-mail, or another action (action_label).
  action           text NOT NULL CHECK (action IN ('callback', 'email', 'other')),
  action_label     text CHECK (length(action_label) <= 200),
  -- Klantinteracties limits: inhoud and toelichting ≤ 1000 characters.
  question         text NOT NULL CHECK (length(question) BETWEEN 1 AND 1000),
  internal_note    text CHECK (length(internal_note) <= 1000),
  -- The betrokkene's digitale adressen for this hand-off: phone in E.164 (libphonenumber-js).
  citizen_name     text CHECK (length(citizen_name) <= 200),
  phone            text CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
  email            text CHECK (email = lower(email) AND email LIKE '%@%' AND length(email) <= 254),
  preferred_moment text CHECK (length(preferred_moment) <= 200),
  status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'attempted', 'completed', 'misrouted', 'cancelled')),
  -- The term it is due by, and where it came from (the team's own, the norm's callback term, Balie's default).
  term_unit        text NOT NULL CHECK (term_unit IN ('workingDays', 'weeks')),
  term_amount      integer NOT NULL CHECK (term_amount > 0),
  term_source      text NOT NULL CHECK (term_source IN ('team', 'norm', 'default')),
  requested_at     timestamptz NOT NULL,
  due_at           timestamptz NOT NULL,
  -- The callback milestone a callback hand-off carries (the lifecycle's kind `callback`).
  milestone_id     bigint REFERENCES milestones (id) ON DELETE SET NULL,
  outcome          text CHECK (length(outcome) <= 1000),
  completed_at     timestamptz,
  completed_by     bigint REFERENCES agents (id) ON DELETE SET NULL,
  -- How often it came back as verkeerde afdeling (misrouted share, issue 14 §8).
  misrouted_count  integer NOT NULL DEFAULT 0 CHECK (misrouted_count >= 0),
  created_by       bigint REFERENCES agents (id) ON DELETE SET NULL,
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CHECK (team_id IS NOT NULL OR assignee_id IS NOT NULL OR status IN ('misrouted', 'cancelled')),
  CHECK ((status = 'completed') = (completed_at IS NOT NULL)),
  CHECK (action <> 'callback' OR phone IS NOT NULL)
);
-- The back-office view: open work of a team or a person, nearest due first.
CREATE INDEX handoffs_team_open_idx ON handoffs (team_id, due_at) WHERE status IN ('open', 'attempted');
CREATE INDEX handoffs_assignee_open_idx ON handoffs (assignee_id, due_at) WHERE status IN ('open', 'attempted');
CREATE INDEX handoffs_conversation_idx ON handoffs (conversation_id, created_at);

-- Call attempts: bereikt, niet bereikt, voicemail, verkeerd nummer. Only `reached` meets the callback.
CREATE TABLE handoff_attempts (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  handoff_id bigint NOT NULL REFERENCES handoffs (id) ON DELETE CASCADE,
  agent_id   bigint REFERENCES agents (id) ON DELETE SET NULL,
  result     text NOT NULL CHECK (result IN ('reached', 'not_reached', 'voicemail', 'wrong_number')),
  note       text CHECK (length(note) <= 1000),
  at         timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX handoff_attempts_handoff_idx ON handoff_attempts (handoff_id, at);

-- The hand-off's route: created, forwarded to another team, sent back to the KCC, completed, cancelled.
CREATE TABLE handoff_events (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  handoff_id   bigint NOT NULL REFERENCES handoffs (id) ON DELETE CASCADE,
  kind         text NOT NULL CHECK (kind IN ('created', 'forwarded', 'sent_back', 'completed', 'cancelled')),
  agent_id     bigint REFERENCES agents (id) ON DELETE SET NULL,
  from_team_id bigint REFERENCES teams (id) ON DELETE SET NULL,
  to_team_id   bigint REFERENCES teams (id) ON DELETE SET NULL,
  note         text CHECK (length(note) <= 1000),
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX handoff_events_handoff_idx ON handoff_events (handoff_id, at);

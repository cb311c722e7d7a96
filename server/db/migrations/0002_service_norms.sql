-- Service-norm deadlines (issue 3): the gemeente's service settings, its own norms, the milestones
-- every conversation carries, and the table the Socket.IO PostgreSQL adapter needs.
-- Released migrations are never edited; add a new file instead.

-- One row (id is always true). Absent until Balie's first start seeds it from NORM,
-- BUSINESS_HOURS, CHAT_HOURS, CLOSURE_DAYS and DUE_SOON_HOURS; from then on admins edit it.
CREATE TABLE service_settings (
  id                   boolean PRIMARY KEY DEFAULT true CHECK (id),
  active_norm_id       text NOT NULL,
  -- WeeklyHours as JSON: {"1": [{"start": "08:30", "end": "17:00"}], …, "7": []}.
  business_hours       jsonb NOT NULL,
  chat_hours           jsonb NOT NULL,
  -- ISO dates; closure days of the gemeente and days gelijkgesteld by Besluit (Algemene
  -- termijnenwet art. 3 lid 3), which an admin extends when a new Besluit is published.
  closure_days         jsonb NOT NULL DEFAULT '[]',
  gelijkgestelde_dagen jsonb NOT NULL DEFAULT '[]',
  due_soon_hours       numeric NOT NULL DEFAULT 4 CHECK (due_soon_hours >= 0 AND due_soon_hours <= 40),
  -- Bumped on every change: instances cache their calendar per version.
  version              integer NOT NULL DEFAULT 1,
  updated_at           timestamptz NOT NULL DEFAULT now(),
  updated_by           bigint REFERENCES agents (id) ON DELETE SET NULL
);

-- Norms an admin composed; the six presets live in code (server/deadlines/norms.ts).
CREATE TABLE custom_norms (
  id         text PRIMARY KEY,
  definition jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- A deadline a conversation carries. The term is copied from the norm (or stated by the agent in a
-- tussenbericht), so open milestones can be recomputed from their own row when the calendar changes.
CREATE TABLE milestones (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  conversation_id bigint NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
  kind            text NOT NULL CHECK (kind IN ('acknowledgement', 'answer', 'complexAnswer', 'callback', 'pickup')),
  norm_id         text NOT NULL,
  term_unit       text NOT NULL CHECK (term_unit IN ('workingDays', 'weeks', 'seconds')),
  term_amount     integer NOT NULL CHECK (term_amount > 0),
  -- true: the term was named by the agent in a tussenbericht, not taken from the norm.
  term_stated     boolean NOT NULL DEFAULT false,
  -- Receipt of the e-mail, queueing of the chat, or the tussenbericht for a stated term.
  starts_at       timestamptz NOT NULL,
  due_at          timestamptz NOT NULL,
  due_soon_at     timestamptz NOT NULL,
  state           text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'due_soon', 'breached', 'met', 'met_late')),
  met_at          timestamptz,
  met_by          text CHECK (met_by IN ('acknowledgement', 'reply', 'answer', 'interim', 'pickup', 'callback')),
  due_soon_raised_at timestamptz,
  breached_at     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((state IN ('met', 'met_late')) = (met_at IS NOT NULL))
);
CREATE INDEX milestones_conversation_idx ON milestones (conversation_id, kind);
-- The scheduler's "next transition" queries: the earliest due-soon moment of open milestones and
-- the earliest due time of unmet ones. Partial, so millions of met milestones stay out of the way.
CREATE INDEX milestones_next_due_soon_idx ON milestones (due_soon_at) WHERE state = 'open';
CREATE INDEX milestones_next_due_idx ON milestones (due_at) WHERE state IN ('open', 'due_soon');
-- Compliance reports select by due time.
CREATE INDEX milestones_due_kind_idx ON milestones (due_at, kind);

-- Payloads over NOTIFY's 8000-byte limit, for @socket.io/postgres-adapter (its documented schema).
CREATE TABLE socket_io_attachments (
  id         bigserial UNIQUE,
  created_at timestamptz DEFAULT now(),
  payload    bytea
);

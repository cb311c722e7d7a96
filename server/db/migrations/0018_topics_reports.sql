-- Topics (onderwerpen) and the KPI engine's daily rollups (issue 15 §2, §9).
-- Released migrations are never edited; add a new file instead.

-- ── Topics ──────────────────────────────────────────────────────────────────
-- Admins keep the list; agents set one when closing. Archived (active = false), never deleted:
-- reports of past months keep their names.
CREATE TABLE topics (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  active     boolean NOT NULL DEFAULT true,
  created_by bigint REFERENCES agents (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX topics_name_key ON topics (lower(name));

-- Nullable and without a default: adding it rewrites nothing. No index: topics are never deleted
-- (so the foreign key is never checked from this side), and reports read the rollups.
ALTER TABLE conversations ADD COLUMN topic_id bigint REFERENCES topics (id) ON DELETE RESTRICT;

-- One row: whether closing needs a topic (the gemeente's choice; default optional).
CREATE TABLE topic_settings (
  id         boolean PRIMARY KEY DEFAULT true CHECK (id),
  required   boolean NOT NULL DEFAULT false,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by bigint REFERENCES agents (id) ON DELETE SET NULL
);
INSERT INTO topic_settings (id) VALUES (true);

-- ── Daily rollups of the KPIs ───────────────────────────────────────────────
-- Per Amsterdam calendar day, one row per value of each dimension a report splits by: `channel`
-- (chat, email, phone — together the whole), `agent` (the assignee's id; '' none) and `topic`
-- (the topic's id; '' none). Teams are summed from the agent rows with the current members. Kept
-- per dimension rather than per combination, so a month is a few thousand rows at any volume.
-- Every count is additive, so any period is a sum of its days; each figure is dated the way
-- domain.md counts it: milestones by due day, outcomes by close day, ratings by rating day, volume
-- by creation day. Rebuilt per day by a job (server/reports/rollups.ts) from the source tables —
-- derived data that can always be recomputed; nothing on the write path feeds it (no triggers).
CREATE TABLE report_daily (
  day     date NOT NULL,
  dim     text NOT NULL CHECK (dim IN ('channel', 'agent', 'topic')),
  key     text NOT NULL,
  created integer NOT NULL DEFAULT 0,
  -- Milestones due that day, per kind (ack, answer, complexAnswer, callback, pickup, handoff) and state.
  ack_met integer NOT NULL DEFAULT 0, ack_late integer NOT NULL DEFAULT 0, ack_breached integer NOT NULL DEFAULT 0, ack_open integer NOT NULL DEFAULT 0, ack_na integer NOT NULL DEFAULT 0,
  ans_met integer NOT NULL DEFAULT 0, ans_late integer NOT NULL DEFAULT 0, ans_breached integer NOT NULL DEFAULT 0, ans_open integer NOT NULL DEFAULT 0, ans_na integer NOT NULL DEFAULT 0,
  cpx_met integer NOT NULL DEFAULT 0, cpx_late integer NOT NULL DEFAULT 0, cpx_breached integer NOT NULL DEFAULT 0, cpx_open integer NOT NULL DEFAULT 0, cpx_na integer NOT NULL DEFAULT 0,
  cb_met  integer NOT NULL DEFAULT 0, cb_late  integer NOT NULL DEFAULT 0, cb_breached  integer NOT NULL DEFAULT 0, cb_open  integer NOT NULL DEFAULT 0, cb_na  integer NOT NULL DEFAULT 0,
  pu_met  integer NOT NULL DEFAULT 0, pu_late  integer NOT NULL DEFAULT 0, pu_breached  integer NOT NULL DEFAULT 0, pu_open  integer NOT NULL DEFAULT 0, pu_na  integer NOT NULL DEFAULT 0,
  ho_met  integer NOT NULL DEFAULT 0, ho_late  integer NOT NULL DEFAULT 0, ho_breached  integer NOT NULL DEFAULT 0, ho_open  integer NOT NULL DEFAULT 0, ho_na  integer NOT NULL DEFAULT 0,
  pu_abandoned integer NOT NULL DEFAULT 0,
  -- Seconds waited by the chats picked up / abandoned that day (medians and the wait distribution).
  pu_waits real[] NOT NULL DEFAULT '{}',
  ab_waits real[] NOT NULL DEFAULT '{}',
  -- Conversations closed that day, per outcome; fcr_repeat: closed in first contact and followed
  -- by a contact of the same citizen within 7 days (not first-contact resolution after all).
  closed_hfc integer NOT NULL DEFAULT 0, closed_bo integer NOT NULL DEFAULT 0, closed_cb integer NOT NULL DEFAULT 0,
  closed_nan integer NOT NULL DEFAULT 0, closed_ab integer NOT NULL DEFAULT 0, fcr_repeat integer NOT NULL DEFAULT 0,
  csat_n integer NOT NULL DEFAULT 0, csat_sum integer NOT NULL DEFAULT 0, csat_sat integer NOT NULL DEFAULT 0,
  -- Conversations created that day within 7 days after a closed one of the same citizen.
  repeats integer NOT NULL DEFAULT 0,
  PRIMARY KEY (day, dim, key)
);

-- Not-applicable milestones due that day per reason and per agent whose action ended them
-- ('' : the citizen's doing or Balie's), in the same dimensions.
CREATE TABLE report_daily_not_applicable (
  day      date NOT NULL,
  dim      text NOT NULL,
  key      text NOT NULL,
  reason   text NOT NULL,
  ended_by text NOT NULL,
  count    integer NOT NULL,
  PRIMARY KEY (day, dim, key, reason, ended_by)
);

-- Concatenates the wait arrays of the rows summed into one (rollup rows from granular facts).
CREATE AGGREGATE report_waits_cat (real[]) (SFUNC = array_cat, STYPE = real[], INITCOND = '{}');

-- Which days the rollups hold, and when each was computed. A day without a row here is computed
-- live from the source tables by the reader (and by the job soon after).
CREATE TABLE report_days (
  day         date PRIMARY KEY,
  computed_at timestamptz NOT NULL
);

-- Days the job must recompute (work on old conversations: a late rating, a reopen, a callback
-- reached). Fed by the reports feature from domain events, outside the writers' transactions.
CREATE TABLE report_dirty_days (
  day       date PRIMARY KEY,
  marked_at timestamptz NOT NULL DEFAULT now()
);

-- The figures of one day are read by creation, close and rating time. Closes use the inbox's
-- conversations_closed_idx (0006). created_at and csat_at are written once, so these cost one
-- index entry per conversation and per rating, and no HOT update is lost.
CREATE INDEX conversations_created_at_idx ON conversations (created_at);
CREATE INDEX conversations_csat_at_idx ON conversations (csat_at) WHERE csat_at IS NOT NULL;

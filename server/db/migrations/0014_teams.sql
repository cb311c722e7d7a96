-- The back office (issue 14 §1, §3): the role `backoffice`, teams (vakafdelingen) with their
-- notification address, coordinator and own hand-off term, their members, and when members are
-- away. In the Klantinteracties API a team is an *actor* of type organisatorische eenheid (afd/grp)
-- and a member an *actor* of type medewerker (mdw); see docs/backoffice.md.
-- Released migrations are never edited; add a new file instead.

-- Back-office staff log in to their hand-offs only, never to the KCC inbox.
ALTER TABLE agents DROP CONSTRAINT agents_role_check;
ALTER TABLE agents ADD CONSTRAINT agents_role_check CHECK (role IN ('agent', 'supervisor', 'admin', 'backoffice'));

CREATE TABLE teams (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  -- Where the team hears of a new hand-off (a shared mailbox of the afdeling).
  notification_email  text CHECK (notification_email = lower(notification_email) AND notification_email LIKE '%@%' AND length(notification_email) <= 254),
  coordinator_id      bigint REFERENCES agents (id) ON DELETE SET NULL,
  -- The gemeente's own hand-off term for this team; without one the norm's callback term holds.
  handoff_term_unit   text CHECK (handoff_term_unit IN ('workingDays', 'weeks')),
  handoff_term_amount integer CHECK (handoff_term_amount BETWEEN 1 AND 260),
  created_at          timestamptz NOT NULL DEFAULT now(),
  updated_at          timestamptz NOT NULL DEFAULT now(),
  CHECK ((handoff_term_unit IS NULL) = (handoff_term_amount IS NULL))
);
CREATE UNIQUE INDEX teams_name_key ON teams (lower(name));

-- Agents of any role may belong to teams; role backoffice sees the hand-offs of its teams.
CREATE TABLE team_members (
  team_id    bigint NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
  agent_id   bigint NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (team_id, agent_id)
);
CREATE INDEX team_members_agent_idx ON team_members (agent_id);

-- Afwezig van–tot: a hand-off to a person away now is refused (or goes to the team).
CREATE TABLE agent_absences (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  agent_id   bigint NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
  starts_at  timestamptz NOT NULL,
  ends_at    timestamptz NOT NULL,
  note       text CHECK (length(note) <= 200),
  created_by bigint REFERENCES agents (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (ends_at > starts_at)
);
CREATE INDEX agent_absences_agent_idx ON agent_absences (agent_id, ends_at);

-- A member's own working days (ISO weekdays 1–7), for part-timers; NULL: every working day of
-- the gemeente. ical_url: an optional iCalendar free/busy address (read by a later step).
CREATE TABLE agent_availability (
  agent_id     bigint PRIMARY KEY REFERENCES agents (id) ON DELETE CASCADE,
  working_days smallint[] CHECK (working_days <@ ARRAY[1, 2, 3, 4, 5, 6, 7]::smallint[]),
  ical_url     text CHECK (ical_url ~ '^https?://' AND length(ical_url) <= 2000),
  updated_at   timestamptz NOT NULL DEFAULT now()
);

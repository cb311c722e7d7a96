-- Security hardening (issue 12, items 9 and 14).
-- Released migrations are never edited; add a new file instead.
--
-- Item 14: the audit trail must let a gemeente show who looked at a citizen's data and what was
-- changed (AVG art. 5(2), accountability). Each row now says from where (address, browser) and,
-- for a changed text or setting, what it was before and after. Rows are written one per request
-- (a list or search request writes one row, not one per conversation it shows).
ALTER TABLE audit_log
  ADD COLUMN ip         inet,
  ADD COLUMN user_agent text CHECK (length(user_agent) <= 500),
  ADD COLUMN before     jsonb,
  ADD COLUMN after      jsonb;

-- The admins' read API pages newest first by id (ascending with time, gap-free enough for a
-- cursor) and filters by agent, by subject (a conversation) or by period: indexes in that order.
-- The period filter uses a BRIN index: rows arrive in time order, so it stays tiny and cheap to
-- keep up on every insert.
DROP INDEX audit_log_agent_idx;
DROP INDEX audit_log_subject_idx;
CREATE INDEX audit_log_agent_id_idx ON audit_log (agent_id, id DESC);
CREATE INDEX audit_log_subject_id_idx ON audit_log (subject_type, subject_id, id DESC);
CREATE INDEX audit_log_created_brin ON audit_log USING brin (created_at);

-- Item 9: a session ends at the latest this long after login, however active it is (a stolen
-- cookie used every few hours must not live forever). Sessions that exist today get a day.
ALTER TABLE sessions ADD COLUMN absolute_expires_at timestamptz NOT NULL DEFAULT (now() + interval '24 hours');
ALTER TABLE sessions ALTER COLUMN absolute_expires_at DROP DEFAULT;

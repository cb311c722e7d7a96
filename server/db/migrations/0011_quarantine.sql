-- Quarantined mail becomes visible and recoverable (issue 13, item 4): supervisors list it with the
-- reason, download the raw mail, try again or dismiss it. The row is kept after it is resolved or
-- dismissed (who, when, why, and which stored message it became), so the trail stays complete.
-- Released migrations are never edited; add a new file instead.

ALTER TABLE mail_quarantine
  -- A stable code for the reason (value_too_long, constraint_violation, …) the inbox translates;
  -- `reason` keeps the error text itself.
  ADD COLUMN reason_code         text NOT NULL DEFAULT 'unknown',
  -- When the gemeente's server received it (IMAP INTERNALDATE): a retry runs the terms from there.
  ADD COLUMN received_at         timestamptz,
  -- The mail's size in the mailbox; `raw` is only its header when it was over MAIL_MAX_BYTES.
  ADD COLUMN size_bytes          bigint,
  -- Lets a mail read again under a new UIDVALIDITY find its earlier quarantine row.
  ADD COLUMN raw_sha256          bytea,
  ADD COLUMN attempts            integer NOT NULL DEFAULT 1,
  ADD COLUMN last_attempt_at     timestamptz,
  ADD COLUMN resolved_at         timestamptz,
  ADD COLUMN resolved_message_id bigint REFERENCES messages (id) ON DELETE SET NULL,
  ADD COLUMN resolved_by         bigint REFERENCES agents (id) ON DELETE SET NULL,
  ADD COLUMN dismissed_at        timestamptz,
  ADD COLUMN dismissed_by        bigint REFERENCES agents (id) ON DELETE SET NULL,
  ADD COLUMN dismiss_reason      text,
  -- Quarantined mail stays unseen in the mailbox; once resolved or dismissed the poller marks it
  -- \Seen like any stored mail, so that unseen keeps meaning "needs someone".
  ADD COLUMN seen_flagged_at     timestamptz;

UPDATE mail_quarantine SET raw_sha256 = sha256(raw), received_at = created_at, size_bytes = octet_length(raw), last_attempt_at = created_at;

-- The list and the count read only what still waits for someone.
CREATE INDEX mail_quarantine_open ON mail_quarantine (created_at DESC, id DESC) WHERE resolved_at IS NULL AND dismissed_at IS NULL;
CREATE INDEX mail_quarantine_sha ON mail_quarantine (raw_sha256) WHERE resolved_at IS NULL AND dismissed_at IS NULL;
CREATE INDEX mail_quarantine_to_flag ON mail_quarantine (mailbox, uid_validity)
  WHERE (resolved_at IS NOT NULL OR dismissed_at IS NOT NULL) AND seen_flagged_at IS NULL;

-- The outbox never gives up on a citizen's mail by itself, a dead sender's mail is taken back at
-- once, and automatic mail to an address is counted (issue 13, items 2, 5, 6; issue 12, item 5).
-- Released migrations are never edited; add a new file instead.

ALTER TABLE mail_outbox
  -- The sender instance that holds the row while it is being sent: the key of a session-level
  -- advisory lock (pg_advisory_lock(1650551913, claimed_by)) that instance holds on a connection of
  -- its own. When the instance dies its connection closes, PostgreSQL releases the lock, and any
  -- other instance takes the row over at once instead of waiting out the lease. NULL: nobody.
  ADD COLUMN claimed_by     integer,
  -- Start of the retry window (OUTBOX_RETRY_HOURS): a transient failure after it ends is final.
  -- A resend starts a new window.
  ADD COLUMN retry_since    timestamptz NOT NULL DEFAULT now(),
  ADD COLUMN failed_at      timestamptz,
  -- Why it failed for good: 'permanent' (the SMTP server's 5xx for this recipient or message) or
  -- 'retry_window' (transient failures for longer than the retry window).
  ADD COLUMN failure_kind   text CHECK (failure_kind IN ('permanent', 'retry_window')),
  ADD COLUMN resent_at      timestamptz,
  ADD COLUMN resent_by      bigint REFERENCES agents (id) ON DELETE SET NULL,
  ADD COLUMN resend_count   integer NOT NULL DEFAULT 0;

-- Keys of sender instances: unique among the live ones, so a lock names exactly one instance.
CREATE SEQUENCE mail_sender_instance_seq AS integer MINVALUE 1 CYCLE;

-- The supervisors' list of failed mail, newest first.
CREATE INDEX mail_outbox_failed_idx ON mail_outbox (failed_at DESC, id DESC) WHERE state = 'failed';
-- Counting automatic mail per recipient (transcripts; acknowledgements have 0003's index) and in all.
CREATE INDEX mail_outbox_transcript_recent_idx ON mail_outbox (to_address, created_at DESC) WHERE purpose = 'transcript';
CREATE INDEX mail_outbox_automatic_recent_idx ON mail_outbox (created_at DESC) WHERE purpose IN ('acknowledgement', 'transcript');

-- The poison-mail guard (server/mail/poison-guard.ts): a mail whose reading kills the whole process
-- (a parse worker overshooting its heap limit makes Node abort; any native crash) would otherwise
-- be read again after every restart — a crash loop, and no mail after it ever stored.

-- What the poller is reading now, noted (committed) before it reads: the UID range of a batch, or
-- one UID. It is never cleared after a batch (the checkpoint moving past last_uid says it is
-- done), only at a clean stop. A note of another reader that the checkpoint has not passed is
-- what a process that died while reading leaves behind.
CREATE TABLE mail_reading (
  mailbox      text PRIMARY KEY,
  uid_validity text NOT NULL,
  first_uid    bigint NOT NULL,
  last_uid     bigint NOT NULL,
  -- host:pid:random of the poller that wrote it; a new process is another reader.
  reader       text NOT NULL,
  noted_at     timestamptz NOT NULL DEFAULT now()
);

-- How often Balie died while this one mail (noted on its own) was being read. At
-- MAIL_CRASH_QUARANTINE_AFTER it is quarantined without being read again.
CREATE TABLE mail_read_crashes (
  mailbox       text NOT NULL,
  uid_validity  text NOT NULL,
  uid           bigint NOT NULL,
  crashes       integer NOT NULL,
  last_crash_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (mailbox, uid_validity, uid)
);

-- Issue 16 items 5 and 7: contacts and conversations merged, and the widget's uploads.
-- 1. Two conversations about one question are merged: the absorbed one is closed through the
--    lifecycle (event `merged`: outcome geen antwoord nodig, reason duplicate) and points to the
--    one kept; its milestones that would double an open one there end not applicable, `merged`.
-- 2. Merged contacts: the absorbed contact's row is deleted once its conversations and messages
--    point to the kept one; the audit log keeps what it held.
-- Citizens' uploads from the widget (item 7) need no table: they are attachments of the chat's
-- messages, counted per chat over the last hour along messages_conversation_idx.
-- Released migrations are never edited; add a new file instead.
ALTER TABLE milestones DROP CONSTRAINT milestones_ended_reason_check;
ALTER TABLE milestones ADD CONSTRAINT milestones_ended_reason_check
  CHECK (ended_reason IN ('auto_reply', 'spam', 'duplicate', 'withdrawn', 'abandoned', 'handed_to_back_office', 'handed_to_callback',
                          'closed_before_tracking', 'handoff_cancelled', 'merged'));

ALTER TABLE conversations ADD COLUMN merged_into_id bigint REFERENCES conversations (id) ON DELETE SET NULL
  CHECK (merged_into_id <> id);
CREATE INDEX conversations_merged_into_idx ON conversations (merged_into_id) WHERE merged_into_id IS NOT NULL;

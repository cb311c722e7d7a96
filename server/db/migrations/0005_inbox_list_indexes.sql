-- The inbox list pages by (last_message_at, id) over all conversations, or over one channel; the
-- indexes of 0001 only served the open ones or a channel together with a status, so these
-- queries sorted the whole table (review of 2026-11-23).
CREATE INDEX conversations_activity_idx ON conversations (last_message_at DESC, id DESC);
CREATE INDEX conversations_channel_activity_idx ON conversations (channel, last_message_at DESC, id DESC);

-- An account whose password somebody else set (the first admin from ADMIN_PASSWORD or the
-- generated file, an agent an admin added, a reset by an admin) must choose its own before it
-- may do anything else: until then its sessions reach only who-am-I, log out and the password
-- change. Existing accounts are not flagged: nobody can tell whether their owner chose them.
ALTER TABLE agents ADD COLUMN password_must_change boolean NOT NULL DEFAULT false;

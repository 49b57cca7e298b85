-- Two indexes of weapons made cheaper to build after a bulk load (`salw import` into an empty
-- registry builds each once, sorted; at 1 M weapons these two took a third of that time).

-- Weapons are listed and exported in ordinal order instead of `seq` order. The two orders are
-- the same: a weapon's ordinal and its registration entry's sequence number are both drawn
-- under the write lock when it is registered, and neither changes after. The primary key on
-- the ordinal serves both, and an index that scanned the whole table to build (0.30 s at 1 M
-- weapons) is gone.
DROP INDEX weapons_seq;

-- The identity key is unique by the first 16 bytes of its SHA-256 instead of by its text.
-- Keys share long prefixes (country|MAKER|MODEL|serial), so a sort by text compares most of
-- each key; the hashes differ in their first bytes. At 1 M weapons the unique index over the
-- hashes built in 0.76 s, over the texts in 1.98 s (same table, same session). 128 bits: two
-- different keys with the same hash would be refused as a clash: with a billion weapons, a
-- chance below 10^-20. The text stays, for display and to check the match.
-- The writer computes the hash (`identity_hash` in lib.rs); here, the rows already written.
ALTER TABLE weapons ADD COLUMN identity_hash BYTEA;
UPDATE weapons SET identity_hash = substr(sha256(convert_to(identity_key, 'UTF8')), 1, 16)
    WHERE identity_key IS NOT NULL;
DROP INDEX weapons_identity_key;
CREATE UNIQUE INDEX weapons_identity_hash ON weapons (identity_hash)
    WHERE identity_hash IS NOT NULL;

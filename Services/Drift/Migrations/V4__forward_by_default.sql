-- A connector's source changes under its consumers, so a new connector is judged under forward compatibility: what
-- breaks is what the consumers already reading it cannot read (a field removed, a type changed, a field turning null).
-- Connectors already recorded keep the mode they have.
ALTER TABLE drift.connectors ALTER COLUMN compatibility SET DEFAULT 'forward';

-- wf schema, version 2, for SQLite and Cloudflare D1: reserved. This number
-- belongs to a migration developed alongside 0003; this stand-in keeps the
-- list in sequence and changes nothing.
SELECT 1;

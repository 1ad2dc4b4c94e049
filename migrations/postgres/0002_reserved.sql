-- wf PostgreSQL schema, version 2: reserved. This number belongs to a
-- migration developed alongside 0003; this stand-in keeps the list in
-- sequence and changes nothing. It is replaced, not applied twice: a
-- database is only ever migrated by released builds.
SELECT 1;

-- wf schema, version 6: reserved for the columns of child runs, which
-- land as this version's migration; queues (version 7) do not depend on
-- them. This file changes nothing.
SELECT 1;

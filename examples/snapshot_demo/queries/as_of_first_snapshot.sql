-- The users as the warehouse knew them right after the first snapshot run: the versions
-- already valid at that moment and not yet closed. Put any timestamp in place of the
-- moment to ask "what did we know then?".
with moment as (select min(_ff_valid_from) as at from users_clean_snapshot)
select user_id, email, status, updated_at
from users_clean_snapshot, moment
where _ff_valid_from <= moment.at
  and (_ff_valid_to is null or _ff_valid_to > moment.at)
order by user_id

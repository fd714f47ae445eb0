{{ config(
    materialized='view',
    tags=[
        'example:snapshot_demo',
        'scope:mart',
        'engine:duckdb',
        'engine:postgres',
    ],
) }}

-- The current version of each user, from the snapshot (a view: it always shows the latest
-- history); a user the source no longer has is still here, as it was last seen.
select
  user_id,
  email,
  email_domain,
  status,
  updated_at
from {{ ref('users_clean_snapshot.ff') }}
where _ff_is_current

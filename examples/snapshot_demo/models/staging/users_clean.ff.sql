{{ config(
    materialized='table',
    tags=[
        'example:snapshot_demo',
        'scope:staging',
        'engine:duckdb',
        'engine:postgres',
    ],
) }}

-- The users as they are now: one row per user, the email in lower case.
select
  user_id,
  lower(email) as email,
  split_part(lower(email), '@', 2) as email_domain,
  status,
  cast(updated_at as timestamp) as updated_at
from {{ source('crm', 'users') }}

{{ config(
    materialized='snapshot',
    snapshot={
        'strategy': 'timestamp',
    },
    unique_key='user_id',
    updated_at='updated_at',
    tags=[
        'example:snapshot_demo',
        'scope:snapshot',
        'engine:duckdb',
        'engine:postgres',
    ],
) }}

-- Every version of every user: a new one whenever a user's updated_at moves on.
select
  user_id,
  email,
  email_domain,
  status,
  updated_at
from {{ ref('users_clean.ff') }}

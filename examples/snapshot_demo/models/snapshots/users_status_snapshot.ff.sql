{{ config(
    materialized='snapshot',
    snapshot={
        'strategy': 'check',
        'check_cols': ['status'],
    },
    unique_key='user_id',
    tags=[
        'example:snapshot_demo',
        'scope:snapshot',
        'engine:duckdb',
        'engine:postgres',
    ],
) }}

-- The history of each user's status alone: a new version only when the status changes
-- (a changed email or a newer updated_at alone makes none).
select
  user_id,
  status
from {{ ref('users_clean.ff') }}

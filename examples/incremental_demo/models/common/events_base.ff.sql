{{ config(
    materialized='table',
    tags=[
        'example:incremental_demo',
        'scope:common',
        'engine:duckdb',
        'engine:postgres',
    ],
) }}

-- The raw events as a table: every incremental model of the demo reads it.
select
  event_id,
  updated_at,
  value
from {{ source('raw', 'events') }}

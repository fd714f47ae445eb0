{{ config(
    materialized='ephemeral',
    tags=['example:incremental_demo', 'scope:common', 'engine:duckdb', 'engine:postgres'],
) }}

-- Ephemeral: never created in the warehouse. Each SQL model that reads it gets this SELECT
-- as a common table expression (its delta SQL too).
select
  event_id,
  updated_at,
  cast(updated_at as date) as event_date,
  value
from {{ ref('events_base') }}

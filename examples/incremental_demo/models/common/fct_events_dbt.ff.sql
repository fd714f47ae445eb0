{{ config(
    materialized='incremental',
    unique_key='event_id',
    tags=[
        'example:incremental_demo',
        'kind:incremental',
        'engine:duckdb',
        'engine:postgres',
    ],
) }}

-- dbt's spelling: the first run and --full-refresh build from the whole SELECT; later runs
-- render it with is_incremental() true and merge those rows on event_id.
select
  event_id,
  updated_at,
  event_date,
  value
from {{ ref('stg_events') }}
{% if is_incremental() %}
where updated_at > (select max(updated_at) from {{ this }})
{% endif %}

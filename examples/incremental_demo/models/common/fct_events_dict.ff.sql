{{ config(
    materialized='incremental',
    incremental={
        'enabled': true,
        'strategy': 'merge',
        'unique_key': ['event_id'],
        'updated_at_column': 'updated_at',
        'on_schema_change': 'append_new_columns',
    },
    tags=[
        'example:incremental_demo',
        'kind:incremental',
        'engine:duckdb',
        'engine:postgres',
    ],
) }}

-- FastFlowTransform 0.6's spelling. No delta SQL: a later run takes the rows whose
-- updated_at is newer than the newest in the table, and merges them on event_id.
select
  event_id,
  updated_at,
  value
from {{ ref('events_base') }}

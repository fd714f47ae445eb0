{{ config(
    materialized='table',
    tags=[
        'example:incremental_demo',
        'kind:incremental',
        'engine:duckdb',
        'engine:postgres',
    ],
    meta={
        'incremental': True,
        'unique_key': ['event_id'],
        'updated_at': 'updated_at',
        'delta_config': 'config/incremental/fct_events_sql_yaml.delta.yml',
    },
) }}

-- The full SELECT; the delta SELECT of later runs is the sql: of the delta_config file.
select
  event_id,
  updated_at,
  value
from {{ ref('events_base') }}

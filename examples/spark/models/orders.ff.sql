{{ config(materialized='view') }}
select order_id, user_id, cast(amount as double) as amount
from {{ source('erp', 'orders') }}

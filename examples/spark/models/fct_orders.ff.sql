{{ config(materialized='incremental', unique_key='order_id', tags=['mart']) }}
-- A merge on order_id: a rerun replaces the orders it sees again and adds the new ones.
select order_id, user_id, amount,
       case when amount >= 10 then 'large' else 'small' end as size
from {{ ref('orders.ff') }}

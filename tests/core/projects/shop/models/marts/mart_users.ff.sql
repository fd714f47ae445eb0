{{ config(materialized='view', tags=['mart', 'daily']) }}
select u.id, u.email, u.is_gmail, {{ cents('o.amount') }} as amount_cents, '{{ this }}' as built_as
from {{ ref('users_enriched') }} as u
left join {{ ref('orders.ff') }} as o on o.user_id = u.id
limit {{ var('mart_limit', 100) }}

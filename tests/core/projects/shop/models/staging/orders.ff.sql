{{ config(tags=['staging']) }}
select order_id, user_id, amount, '{{ var("currency") }}' as currency
from {{ source('erp', 'orders') }}
where amount >= {{ var('min_amount') }}

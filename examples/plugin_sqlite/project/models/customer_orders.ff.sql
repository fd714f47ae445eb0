create table customer_orders as
select c.customer_id,
       c.email,
       count(o.order_id) as order_count,
       coalesce(sum(o.amount), 0.0) as total_amount
from {{ ref('customers.ff') }} as c
left join {{ ref('orders.ff') }} as o on o.customer_id = c.customer_id
group by c.customer_id, c.email;

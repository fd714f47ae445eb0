-- SQLite SQL: lower() and || work as everywhere; the engine is the fft-sqlite package's.
create table customers as
select id as customer_id, name, lower(email) as email, signed_up
from {{ source('crm', 'customers') }};

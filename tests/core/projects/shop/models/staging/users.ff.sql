-- v0.4 form: a CREATE statement naming the model's own relation
create or replace table users as
select id, {{ lower_col('email') }} as email, {{ sql_email_domain('email') }} as domain
from {{ source('crm', 'users') }};

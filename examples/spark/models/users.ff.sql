{{ config(materialized='table') }}
select id, email
from {{ source('crm', 'users') }}

{{ config(meta={'dagster': {'ref': {'name': 'fct_expense_writeoff'}}}) }}
-- One row per current claim, and no negative cap or verified sales value.
select 'cap or verified sales value negative' as problem, claim_id
from {{ ref('fct_expense_writeoff') }}
where cap_amount < 0 or verified_sales_value < 0

union all

select 'rows differ from the current claims', null
from (select count(*) as n from {{ ref('fct_expense_writeoff') }}) as mart
cross join (select count(*) as n from {{ ref('stg_claims') }}) as claims
where mart.n <> claims.n

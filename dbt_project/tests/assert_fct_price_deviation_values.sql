{{ config(meta={'dagster': {'ref': {'name': 'fct_price_deviation'}}}) }}
-- Every line sold something at a price: quantity and prices positive, never more than 100 %
-- under the guide price; and the mart holds exactly the lines the submission log counts as
-- accepted in the current sales files (docs/quality.md: correctness lives in dbt).
select 'line values out of range' as problem, source_file, source_row
from {{ ref('fct_price_deviation') }}
where qty <= 0
   or unit_price <= 0
   or guide_price <= 0
   or floor_price <= 0
   or deviation_pct <= -1

union all

select 'lines differ from the accepted rows of the submission log', null, null
from (select count(*) as n from {{ ref('fct_price_deviation') }}) as mart
cross join (
    select coalesce(sum(rows_accepted), 0) as n
    from {{ ref('stg_submissions') }}
    where kind = 'sales' and status in ('accepted', 'partially_accepted')
) as log
where mart.n <> log.n

{{ config(meta={'dagster': {'ref': {'name': 'fct_sell_through_monthly'}}}) }}
-- Rates are never negative, the cover window is 1 to 3 months (28 to 92 days), and every
-- dealer x SKU pair with a current sales line has at least one month.
select 'rate or cover window out of range' as problem, dealer_id, sku, month
from {{ ref('fct_sell_through_monthly') }}
where sell_through_rate < 0
   or cover_months < 1 or cover_months > 3
   or cover_days < 28 or cover_days > 92

union all

select 'dealer x sku pairs with sales missing', null, null, null
from (select count(*) as n from {{ ref('fct_sell_through_monthly') }}) as mart
cross join (
    select count(*) as n
    from (select distinct dealer_id, sku from {{ ref('int_sales_lines') }}) as pairs
) as sold
where mart.n < sold.n

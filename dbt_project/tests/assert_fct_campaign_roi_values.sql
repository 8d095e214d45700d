{{ config(meta={'dagster': {'ref': {'name': 'fct_campaign_roi'}}}) }}
-- Quantities are never negative, and there is no campaign x dealer pair without a claim.
select 'campaign or baseline qty negative' as problem, campaign_id, dealer_id
from {{ ref('fct_campaign_roi') }}
where campaign_qty < 0 or baseline_qty < 0

union all

select 'more campaign x dealer rows than current claims', null, null
from (select count(*) as n from {{ ref('fct_campaign_roi') }}) as mart
cross join (select count(*) as n from {{ ref('stg_claims') }}) as claims
where mart.n > claims.n

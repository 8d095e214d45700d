{#- Rules 1-6 of 费用核销 (docs/marts.md, finance/) for every current claim: the eligible
    period, the verified sales value, and the first of rules 1-6 that fails (rejection_code,
    null when the claim goes on to the cap and budget rules). A dealer missing from the
    dealers snapshot has no region, so it is eligible only for campaigns open to every
    region. -#}
with claims as (
    select
        c.claim_id,
        c.dealer_id,
        c.campaign_id,
        c.expense_type,
        c.amount as claimed_amount,
        c.period_start,
        c.period_end,
        c.description,
        c.submitted_at,
        c.source_file,
        c.source_row,
        k.campaign_id is not null as campaign_known,
        k.start_date,
        k.end_date,
        k.category as campaign_category,
        k.region as campaign_region,
        k.reimbursement_rate,
        k.budget,
        d.region as dealer_region,
        case when k.campaign_id is not null then greatest(c.period_start, k.start_date) end as eligible_start,
        case when k.campaign_id is not null then least(c.period_end, k.end_date) end as eligible_end
    from {{ ref('stg_claims') }} as c
    left join {{ ref('stg_campaigns') }} as k
        on k.campaign_id = c.campaign_id
    left join {{ ref('stg_dealers') }} as d
        on d.dealer_id = c.dealer_id
),

rules_1_to_4 as (
    select
        claims.*,
        case
            when not campaign_known then 'UNKNOWN_CAMPAIGN'
            when campaign_region <> '*' and (dealer_region is null or dealer_region <> campaign_region)
                then 'DEALER_NOT_ELIGIBLE'
            when eligible_start > eligible_end then 'OUT_OF_WINDOW'
            when {{ dbt.datediff('end_date', 'cast(submitted_at as date)', 'day') }} > 60 then 'LATE_CLAIM'
        end as early_code
    from claims
),

duplicates as (
    {#- an earlier claim (submitted_at, then claim_id) of the same dealer and campaign that
        passed rules 1-4, whose closed eligible period shares at least one day -#}
    select distinct c.claim_id
    from rules_1_to_4 as c
    inner join rules_1_to_4 as e
        on e.dealer_id = c.dealer_id
       and e.campaign_id = c.campaign_id
       and e.claim_id <> c.claim_id
       and (e.submitted_at < c.submitted_at or (e.submitted_at = c.submitted_at and e.claim_id < c.claim_id))
       and e.eligible_start <= c.eligible_end
       and c.eligible_start <= e.eligible_end
    where c.early_code is null and e.early_code is null
),

verified as (
    select c.claim_id, sum(l.line_value) as verified_sales_value
    from rules_1_to_4 as c
    inner join {{ ref('int_sales_lines_evidence') }} as l
        on l.dealer_id = c.dealer_id
       and (c.campaign_category = '*' or l.category = c.campaign_category)
       and l.sale_date >= c.eligible_start
       and l.sale_date <= c.eligible_end
    where c.campaign_known
    group by c.claim_id
)

select
    r.claim_id,
    r.dealer_id,
    r.campaign_id,
    r.expense_type,
    r.claimed_amount,
    r.period_start,
    r.period_end,
    r.description,
    r.submitted_at,
    r.source_file,
    r.source_row,
    r.campaign_known,
    r.budget,
    r.eligible_start,
    r.eligible_end,
    case when r.campaign_known then coalesce(v.verified_sales_value, 0) end as verified_sales_value,
    {#- the factors' precisions fit the exact product in decimal(38, 12): wider ones make
        Spark round the product to 6 places before round(.., 2) (DuckDB keeps it exact) -#}
    case
        when r.campaign_known
            then cast(round(
                cast(r.reimbursement_rate as decimal(10, 4))
                * cast(coalesce(v.verified_sales_value, 0) as decimal(27, 8)),
                2
            ) as {{ type_money() }})
    end as cap_amount,
    coalesce(
        r.early_code,
        case
            when dup.claim_id is not null then 'DUPLICATE_CLAIM'
            when coalesce(v.verified_sales_value, 0) = 0 then 'NO_SALES_EVIDENCE'
        end
    ) as rejection_code
from rules_1_to_4 as r
left join duplicates as dup
    on dup.claim_id = r.claim_id
left join verified as v
    on v.claim_id = r.claim_id

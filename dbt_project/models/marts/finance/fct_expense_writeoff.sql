{#- Closed months stay closed (docs/marts.md, finance/): the rows of a closed write-off month
    are the ones frozen when it closed (source writeoff_closed); every other current claim is
    decided here, after the closed claims have taken their share of each campaign budget, and
    a claim whose submission month is closed is written off in the first open month after it. -#}
with closed as (
    select * from {{ source('raw', 'writeoff_closed') }}
),

closed_months as (
    select distinct writeoff_month from {{ source('raw', 'closed_months') }}
),

claims as (
    select c.*
    from {{ ref('int_claim_rules') }} as c
    where not exists (
        select 1 from closed as k
        where k.dealer_id = c.dealer_id and k.claim_id = c.claim_id
    )
),

closed_use as (
    select campaign_id, sum(approved_amount) as approved_before
    from closed
    group by campaign_id
),

served as (
    {#- rules 7 and 8 for the claims that passed 1-6: capped by sales, then served from the
        campaign budget in (submitted_at, claim_id) order. With R_i the capped amounts and
        C_i their running total, claim i gets min(B, C_i) - min(B, C_i - R_i): what remains
        of the budget after the claims before it, never more than R_i. B is what closed
        months left of the budget. -#}
    select
        claim_id,
        dealer_id,
        after_cap,
        is_capped,
        least(budget_left, running_total) - least(budget_left, running_total - after_cap) as approved_amount
    from (
        select
            c.claim_id,
            c.dealer_id,
            least(c.claimed_amount, c.cap_amount) as after_cap,
            c.claimed_amount > c.cap_amount as is_capped,
            greatest(c.budget - coalesce(u.approved_before, 0), 0) as budget_left,
            sum(least(c.claimed_amount, c.cap_amount)) over (
                partition by c.campaign_id order by c.submitted_at, c.claim_id
                rows between unbounded preceding and current row
            ) as running_total
        from claims as c
        left join closed_use as u
            on u.campaign_id = c.campaign_id
        where c.rejection_code is null
    ) as ordered
),

decided as (
    select
        c.*,
        {{ month_start('c.submitted_at') }} as submitted_month,
        coalesce(s.approved_amount, 0) as approved,
        case
            when c.rejection_code is not null then c.rejection_code
            when s.is_capped and s.approved_amount < s.after_cap then 'CAPPED_BY_SALES,BUDGET_EXHAUSTED'
            when s.is_capped then 'CAPPED_BY_SALES'
            when s.approved_amount < s.after_cap then 'BUDGET_EXHAUSTED'
        end as reason_codes
    from claims as c
    left join served as s
        on s.claim_id = c.claim_id and s.dealer_id = c.dealer_id
),

moved as (
    {#- the first open month after a closed submission month: the month after some closed
        month, itself not closed -#}
    select d.claim_id, d.dealer_id, min(n.next_month) as first_open_month
    from decided as d
    inner join (
        select cast({{ dbt.dateadd('month', 1, 'writeoff_month') }} as date) as next_month
        from closed_months
    ) as n
        on n.next_month > d.submitted_month
    where d.submitted_month in (select writeoff_month from closed_months)
      and n.next_month not in (select writeoff_month from closed_months)
    group by d.claim_id, d.dealer_id
)

select
    d.claim_id,
    d.dealer_id,
    d.campaign_id,
    d.expense_type,
    d.description,
    d.submitted_at,
    cast(d.claimed_amount as {{ type_qty() }}) as claimed_amount,
    d.eligible_start,
    d.eligible_end,
    d.verified_sales_value,
    d.cap_amount,
    cast(d.approved as {{ type_qty() }}) as approved_amount,
    case
        when d.approved = d.claimed_amount then 'approved'
        when d.approved > 0 then 'partially_approved'
        else 'rejected'
    end as status,
    d.reason_codes,
    coalesce(m.first_open_month, d.submitted_month) as writeoff_month,
    d.source_file,
    d.source_row
from decided as d
left join moved as m
    on m.claim_id = d.claim_id and m.dealer_id = d.dealer_id

union all

select
    claim_id,
    dealer_id,
    campaign_id,
    expense_type,
    description,
    submitted_at,
    cast(claimed_amount as {{ type_qty() }}) as claimed_amount,
    eligible_start,
    eligible_end,
    cast(verified_sales_value as decimal(38, 8)) as verified_sales_value,
    cast(cap_amount as {{ type_money() }}) as cap_amount,
    cast(approved_amount as {{ type_qty() }}) as approved_amount,
    status,
    reason_codes,
    writeoff_month,
    source_file,
    source_row
from closed

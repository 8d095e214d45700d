with claims as (
    select * from {{ ref('int_claim_rules') }}
),

served as (
    {#- rules 7 and 8 for the claims that passed 1-6: capped by sales, then served from the
        campaign budget in (submitted_at, claim_id) order. With R_i the capped amounts and
        C_i their running total, claim i gets min(B, C_i) - min(B, C_i - R_i): what remains
        of the budget after the claims before it, never more than R_i. -#}
    select
        claim_id,
        after_cap,
        is_capped,
        least(budget_left, running_total) - least(budget_left, running_total - after_cap) as approved_amount
    from (
        select
            claim_id,
            least(claimed_amount, cap_amount) as after_cap,
            claimed_amount > cap_amount as is_capped,
            greatest(budget, 0) as budget_left,
            sum(least(claimed_amount, cap_amount)) over (
                partition by campaign_id order by submitted_at, claim_id
                rows between unbounded preceding and current row
            ) as running_total
        from claims
        where rejection_code is null
    ) as ordered
),

decided as (
    select
        c.*,
        coalesce(s.approved_amount, 0) as approved,
        case
            when c.rejection_code is not null then c.rejection_code
            when s.is_capped and s.approved_amount < s.after_cap then 'CAPPED_BY_SALES,BUDGET_EXHAUSTED'
            when s.is_capped then 'CAPPED_BY_SALES'
            when s.approved_amount < s.after_cap then 'BUDGET_EXHAUSTED'
        end as reason_codes
    from claims as c
    left join served as s
        on s.claim_id = c.claim_id
)

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
    verified_sales_value,
    cap_amount,
    cast(approved as {{ type_qty() }}) as approved_amount,
    case
        when approved = claimed_amount then 'approved'
        when approved > 0 then 'partially_approved'
        else 'rejected'
    end as status,
    reason_codes,
    {{ month_start('submitted_at') }} as writeoff_month,
    source_file,
    source_row
from decided

with campaigns as (
    select
        campaign_id,
        category,
        start_date,
        end_date,
        {{ add_days('start_date', '-1 - ' ~ dbt.datediff('start_date', 'end_date', 'day')) }} as baseline_start,
        {{ add_days('start_date', -1) }} as baseline_end
    from {{ ref('stg_campaigns') }}
),

claims as (
    select
        campaign_id,
        dealer_id,
        sum(approved_amount) as approved_spend,
        sum(case when status <> 'rejected' then 1 else 0 end) as claims_not_rejected,
        count(*) as claims
    from {{ ref('fct_expense_writeoff') }}
    group by campaign_id, dealer_id
),

pairs as (
    select k.*, c.dealer_id, c.approved_spend, c.claims
    from claims as c
    inner join campaigns as k
        on k.campaign_id = c.campaign_id
    where c.claims_not_rejected > 0
),

lines as (
    select
        p.campaign_id,
        p.dealer_id,
        case when l.sale_date >= p.start_date and l.sale_date <= p.end_date then 'W' else 'B' end as win,
        l.qty,
        l.line_value,
        l.qty * (l.dealer_price - l.unit_cost) as gross_margin
    from pairs as p
    inner join {{ ref('int_sales_lines_evidence') }} as l
        on l.dealer_id = p.dealer_id
       and (p.category = '*' or l.category = p.category)
       and l.sale_date >= p.baseline_start
       and l.sale_date <= p.end_date
),

sums as (
    select
        campaign_id,
        dealer_id,
        sum(case when win = 'W' then qty else 0 end) as campaign_qty,
        sum(case when win = 'B' then qty else 0 end) as baseline_qty,
        sum(case when win = 'W' then line_value else 0 end) as campaign_sales_value,
        sum(case when win = 'B' then line_value else 0 end) as baseline_sales_value,
        sum(case when win = 'W' then gross_margin else 0 end) as campaign_gross_margin,
        sum(case when win = 'B' then gross_margin else 0 end) as baseline_gross_margin,
        sum(case when gross_margin is null then 1 else 0 end) as lines_without_margin
    from lines
    group by campaign_id, dealer_id
)

select
    p.campaign_id,
    p.dealer_id,
    p.start_date,
    p.end_date,
    p.baseline_start,
    p.baseline_end,
    cast(coalesce(s.campaign_qty, 0) as {{ type_qty() }}) as campaign_qty,
    cast(coalesce(s.baseline_qty, 0) as {{ type_qty() }}) as baseline_qty,
    coalesce(s.campaign_sales_value, 0) as campaign_sales_value,
    coalesce(s.baseline_sales_value, 0) as baseline_sales_value,
    coalesce(s.campaign_gross_margin, 0) as campaign_gross_margin,
    coalesce(s.baseline_gross_margin, 0) as baseline_gross_margin,
    coalesce(s.campaign_gross_margin, 0) - coalesce(s.baseline_gross_margin, 0) as incremental_gross_margin,
    coalesce(s.lines_without_margin, 0) as lines_without_margin,
    cast(p.approved_spend as {{ type_qty() }}) as approved_spend,
    cast(coalesce(s.campaign_gross_margin, 0) - coalesce(s.baseline_gross_margin, 0) - p.approved_spend as {{ type_ratio() }})
        / cast(p.approved_spend as {{ type_ratio() }}) as roi
from pairs as p
left join sums as s
    on s.campaign_id = p.campaign_id and s.dealer_id = p.dealer_id

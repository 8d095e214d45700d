{#- Customer grading (客户分级) by recency, frequency and monetary value, per customer and month
    from its first purchase to the last complete month before the as-of date (docs/marts.md,
    "Customers"). Purchases are the customer's current accepted sales lines, summed per month
    in int_customer_months (incremental by customer: what the date does not move). Monthly sums
    are rolled over the customer's own contiguous months, so 12 rows back is 12 months back.

    Incremental by month (dbt_project/README.md, "Incremental models"): a month's rows read
    its own and earlier months only (the 12-month sums, the last purchase, the month's ranking
    of every customer), and a sales file's lines all lie in its month (DATE_OUTSIDE_PERIOD). A
    night rebuilds every month from the first month of the sales files it touched, and the
    months the business date added or took away (scope_months); the months before stay.
    Rebuilding from month m reads the 11 months before m for the sums and, per customer, its
    last purchase before them. -#}
{{ config(**appended_config("{{ incremental_scope(['sales'], upstream=['int_customer_months'], widen=scope_months(), rows=month_rows('l')) }}")) }}
{%- set first_month = night_first_month(this.identifier) if is_incremental() else all_months() %}

with bounds as (
    select
        {{ last_complete_month() }} as last_month,
        {{ first_month }} as first_month,
        {{ add_months(first_month, -11) }} as window_from
),

monthly as (
    select customer_key, month, purchase_days, value, last_date
    from {{ ref('int_customer_months') }}
),

customers as (
    select
        mo.customer_key,
        min(mo.month) as first_month,
        max(case when mo.month < b.window_from then mo.last_date end) as last_date_before
    from monthly as mo
    cross join bounds as b
    group by mo.customer_key
),

grid as (
    select c.customer_key, c.last_date_before, m.month, m.month_end
    from customers as c
    cross join bounds as b
    inner join {{ ref('int_months') }} as m
        on m.month >= greatest(c.first_month, b.window_from) and m.month <= b.last_month
),

rolled as (
    select
        g.customer_key,
        g.month,
        g.month_end,
        greatest(g.last_date_before, max(mo.last_date) over (
            partition by g.customer_key order by g.month rows between unbounded preceding and current row
        )) as last_purchase_date,
        sum(coalesce(mo.purchase_days, 0)) over (
            partition by g.customer_key order by g.month rows between 11 preceding and current row
        ) as frequency,
        sum(coalesce(mo.value, 0)) over (
            partition by g.customer_key order by g.month rows between 11 preceding and current row
        ) as monetary
    from grid as g
    left join monthly as mo
        on mo.customer_key = g.customer_key and mo.month = g.month
),

ranked as (
    select
        r.*,
        coalesce(sum(case when r.monetary > 0 then r.monetary end) over (
            partition by r.month order by r.monetary desc, r.customer_key
            rows between unbounded preceding and 1 preceding
        ), 0) as before_total,
        sum(case when r.monetary > 0 then r.monetary end) over (partition by r.month) as month_total
    from rolled as r
    where r.month >= (select first_month from bounds)
)

select
    customer_key,
    month,
    last_purchase_date,
    cast({{ dbt.datediff('last_purchase_date', 'month_end', 'day') }} as bigint) as recency_days,
    cast(frequency as bigint) as frequency,
    cast(monetary as decimal(38, 8)) as monetary,
    case
        when monetary <= 0 then 'lapsed'
        when before_total < 0.80 * month_total then 'A'
        when before_total < 0.95 * month_total then 'B'
        else 'C'
    end as segment,
    case
        when month_total > 0 and monetary > 0
            then cast(before_total as {{ type_ratio() }}) / cast(month_total as {{ type_ratio() }})
    end as share_before
from ranked

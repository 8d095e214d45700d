{#- Customer grading (客户分级) by recency, frequency and monetary value, per customer and month
    from its first purchase to the last complete month before the as-of date (docs/marts.md,
    "Customers"). Purchases are the customer's current accepted sales lines, summed per month
    in int_customer_months (incremental by customer: what the date does not move). Monthly sums
    are rolled over the customer's own contiguous months, so 12 rows back is 12 months back. -#}
with monthly as (
    select customer_key, month, purchase_days, value, last_date
    from {{ ref('int_customer_months') }}
),

last_complete as (
    select {{ add_months(month_start(as_of_date()), -1) }} as last_month
),

grid as (
    select f.customer_key, m.month, m.month_end
    from (select customer_key, min(month) as first_month from monthly group by customer_key) as f
    cross join last_complete as c
    inner join {{ ref('int_months') }} as m
        on m.month >= f.first_month and m.month <= c.last_month
),

rolled as (
    select
        g.customer_key,
        g.month,
        g.month_end,
        max(mo.last_date) over (
            partition by g.customer_key order by g.month rows between unbounded preceding and current row
        ) as last_purchase_date,
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

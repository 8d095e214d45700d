{#- Repurchase reminders (复购提醒): customers who buy a category again and again, with the day
    the next purchase is due (docs/marts.md, "Customers"). Purchases are the customer's current
    accepted sales lines up to the as-of date; listed only when due within 30 days or overdue. Each series
    over all its days is in int_customer_series (incremental by customer: what the date does not
    move); a series with a day after the as-of date is taken again from its lines up to it. -#}
with later_days as (
    select l.customer_key, l.category, l.sale_date
    from {{ ref('int_sales_lines') }} as l
    inner join {{ ref('int_customer_series') }} as s
        on s.customer_key = l.customer_key and s.category = l.category
    where s.last_purchase_date > {{ as_of_date() }}
      and l.sale_date <= {{ as_of_date() }}
),

{#- macros/purchase_series.sql: the days, the last one and the median gap per series -#}
series as (
    select customer_key, category, purchase_dates, last_purchase_date, median_interval_days
    from {{ ref('int_customer_series') }}
    where last_purchase_date <= {{ as_of_date() }}
    union all
    {{ purchase_series('later_days') }}
),

due as (
    select
        s.*,
        {{ dbt.dateadd('day', 'cast(round(s.median_interval_days) as integer)', 's.last_purchase_date') }} as due_at
    from series as s
)

select
    d.customer_key,
    c.customer_name,
    c.city_code,
    c.dealer_ids,
    d.category,
    cast(d.purchase_dates as bigint) as purchase_dates,
    cast(d.median_interval_days as double) as median_interval_days,
    d.last_purchase_date,
    cast(d.due_at as date) as due_date,
    case when cast(d.due_at as date) < {{ as_of_date() }} then 'overdue' else 'due' end as status,
    cast({{ dbt.datediff(as_of_date(), 'cast(d.due_at as date)', 'day') }} as bigint) as days_until_due
from due as d
inner join {{ ref('dim_customer') }} as c
    on c.customer_key = d.customer_key
where cast(d.due_at as date) <= {{ dbt.dateadd('day', 30, as_of_date()) }}

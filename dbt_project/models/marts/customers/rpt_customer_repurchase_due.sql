{#- Repurchase reminders (复购提醒): customers who buy a category again and again, with the day
    the next purchase is due (docs/marts.md, "Customers"). Purchases are the customer's current
    accepted sales lines up to the as-of date; listed only when due within 30 days or overdue. -#}
{#- The gaps between a customer's consecutive purchase days of a category. On DuckDB each
    series is one sorted list of its days, its gaps and their median taken from the list: a
    `lag()` window over every purchase day sorts the whole history, which at scale L (58M
    purchase days) spilled more than 30 GB to disk, where the lists fit the memory bound
    (bench/README.md, "Memory at L"). Spark keeps the window (it has no median of an array). -#}
{% if target.type == 'duckdb' -%}
with series as (
    select
        customer_key,
        category,
        len(days) as purchase_dates,
        days[len(days)] as last_purchase_date,
        list_median([days[i + 1] - days[i] for i in range(1, len(days))]) as median_interval_days
    from (
        select customer_key, category, array_sort(list(distinct sale_date)) as days
        from {{ ref('int_sales_lines') }}
        where customer_key is not null and category is not null
          and sale_date <= {{ as_of_date() }}
        group by customer_key, category
    ) as d
    where len(days) >= 3
),
{%- else -%}
with purchase_days as (
    select distinct customer_key, category, sale_date
    from {{ ref('int_sales_lines') }}
    where customer_key is not null and category is not null
      and sale_date <= {{ as_of_date() }}
),

gaps as (
    select
        customer_key,
        category,
        sale_date,
        {{ dbt.datediff('lag(sale_date) over (partition by customer_key, category order by sale_date)', 'sale_date', 'day') }}
            as gap_days
    from purchase_days
),

series as (
    select
        customer_key,
        category,
        count(*) as purchase_dates,
        max(sale_date) as last_purchase_date,
        median(gap_days) as median_interval_days
    from gaps
    group by customer_key, category
    having count(*) >= 3
),
{%- endif %}

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

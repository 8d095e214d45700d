{#- Each customer's purchase series per product category over all its purchase days (the
    part of rpt_customer_repurchase_due that the business date does not move: the mart takes
    the due date from it, and recomputes from the lines only a series with days after the
    date). Incremental by customer (dbt_project/README.md, "Incremental models"), as
    int_customer_months. -#}
{{ config(**customer_keyed_config()) }}

with purchase_days as (
    select customer_key, category, sale_date, dealer_id
    from {{ ref('int_sales_lines') }} as l
    where customer_key is not null and category is not null
    {% if is_incremental() %}and {{ customer_rows('l') }}{% endif %}
),

{#- macros/purchase_series.sql: the days, the last one and the median gap per series -#}
series as (
    {{ purchase_series('purchase_days') }}
),

dealers as (
    {{ customer_dealer_ids('purchase_days', ['customer_key', 'category']) }}
)

select
    s.customer_key,
    s.category,
    cast(s.purchase_dates as bigint) as purchase_dates,
    s.last_purchase_date,
    cast(s.median_interval_days as double) as median_interval_days,
    d.dealer_ids
from series as s
inner join dealers as d
    on d.customer_key = s.customer_key and d.category = s.category

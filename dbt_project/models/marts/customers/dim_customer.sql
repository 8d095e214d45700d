{#- The customer master (客户主数据): one row per resolved end customer of the current accepted
    sales lines (docs/marts.md, "Customers"; how lines are resolved: docs/customers.md). -#}
{#- Incremental by customer (macros/incremental.sql): a night rebuilds the customers of its
    sales files' lines and every customer of those files' dealers; a new regions snapshot or a
    whole rebuild of int_sales_lines (a new ERP snapshot, a changed customer key) rebuilds it
    whole. -#}
{{ config(**customer_keyed_config(['regions'])) }}

with lines as (
    select customer_key, customer_name, customer_city_code, dealer_id, sale_date, line_value
    from {{ ref('int_sales_lines') }} as l
    where customer_key is not null
    {% if is_incremental() %}and {{ customer_rows('l') }}{% endif %}
),

spellings as (
    select
        customer_key,
        customer_name,
        row_number() over (partition by customer_key order by count(*) desc, customer_name) as pick
    from lines
    group by customer_key, customer_name
),

dealers as (
    select
        customer_key,
        count(*) as dealer_count,
        {{ sorted_listagg('dealer_id', ',') }} as dealer_ids
    from (select distinct customer_key, dealer_id from lines) as d
    group by customer_key
),

totals as (
    select
        customer_key,
        min(customer_city_code) as city_code,
        min(sale_date) as first_purchase_date,
        max(sale_date) as last_purchase_date,
        count(*) as line_count,
        count(distinct customer_name) as name_variants,
        sum(line_value) as sales_value
    from lines
    group by customer_key
)

select
    t.customer_key,
    s.customer_name,
    t.city_code,
    r.city_name,
    r.region,
    t.first_purchase_date,
    t.last_purchase_date,
    d.dealer_count,
    d.dealer_ids,
    t.line_count,
    t.name_variants,
    t.sales_value
from totals as t
inner join spellings as s
    on s.customer_key = t.customer_key and s.pick = 1
inner join dealers as d
    on d.customer_key = t.customer_key
left join {{ ref('stg_regions') }} as r
    on r.city_code = t.city_code

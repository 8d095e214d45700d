{#- The current accepted sales lines, each with what is in force on its sale date: the
    retail guide, floor and dealer prices of its sku, whether the dealer holds a territory
    for the customer's city, and the product and dealer facts the marts need.
    Where two price rows of one type overlap on a date (an ERP error), the one with the
    latest valid_from wins (then the later row of the snapshot). -#}
{#- Incremental (macros/incremental.sql): a night selects the lines of the (dealer, month)s its
    sales files touched; a new prices, territories, dealers or products snapshot, or a changed
    customer key, reaches old lines and rebuilds them all. -#}
{{ config(
    materialized=incremental_materialization(),
    tags=['monthly'],
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ incremental_scope(['sales'], ['prices', 'territories', 'dealers', 'products'], full_if=customer_keys_changed()) }}",
    post_hook="{{ incremental_done() }}",
) }}

with lines as (
    select * from {{ ref('stg_sales') }}
    {{ where_in_scope() }}
),

{#- Prices and territories are resolved once per distinct key and date, not once per line:
    there are far fewer sku-days and dealer-city-days than lines, and ranking the prices of
    every line dominated the build (bench/README.md, findings). -#}
sku_days as (
    select distinct sku, sale_date from lines
),

prices_in_force as (
    select
        d.sku,
        d.sale_date,
        p.price_type,
        p.price,
        row_number() over (
            partition by d.sku, d.sale_date, p.price_type
            order by p.valid_from desc, p.source_row desc
        ) as pick
    from sku_days as d
    inner join {{ ref('stg_prices') }} as p
        on p.sku = d.sku
       and {{ in_force('p.valid_from', 'p.valid_to', 'd.sale_date') }}
),

prices as (
    select
        sku,
        sale_date,
        max(case when price_type = 'retail_guide' then price end) as guide_price,
        max(case when price_type = 'floor' then price end) as floor_price,
        max(case when price_type = 'dealer' then price end) as dealer_price
    from prices_in_force
    where pick = 1
    group by sku, sale_date
),

territory as (
    select distinct k.dealer_id, k.customer_city_code, k.sale_date
    from (select distinct dealer_id, customer_city_code, sale_date from lines) as k
    inner join {{ ref('stg_territories') }} as t
        on t.dealer_id = k.dealer_id
       and t.city_code = k.customer_city_code
       and {{ in_force('t.valid_from', 't.valid_to', 'k.sale_date') }}
)

select
    l.source_file,
    l.source_row,
    l.dealer_id,
    d.region as dealer_region,
    l.submitted_at,
    l.sale_date,
    {{ month_start('l.sale_date') }} as sale_month,
    l.customer_city_code,
    l.customer_key,
    l.customer_name,
    l.sku,
    pr.category,
    pr.unit_cost,
    l.qty,
    l.unit_price,
    l.qty * l.unit_price as line_value,
    l.batch_no,
    p.guide_price,
    p.floor_price,
    p.dealer_price,
    t.dealer_id is not null as holds_territory
from lines as l
left join prices as p
    on p.sku = l.sku and p.sale_date = l.sale_date
left join territory as t
    on t.dealer_id = l.dealer_id
   and t.customer_city_code = l.customer_city_code
   and t.sale_date = l.sale_date
left join {{ ref('stg_dealers') }} as d
    on d.dealer_id = l.dealer_id
left join {{ ref('stg_products') }} as pr
    on pr.sku = l.sku

{#- Incremental as int_sales_lines, whose lines it restates (macros/incremental.sql). -#}
{{ config(
    materialized=incremental_materialization(),
    tags=['monthly'],
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ incremental_scope(['sales'], ['prices', 'territories', 'dealers', 'products'], upstream=['int_sales_lines']) }}",
    post_hook="{{ incremental_done() }}",
) }}

select
    source_file,
    source_row,
    dealer_id,
    sku,
    sale_date,
    customer_city_code,
    customer_key,
    qty,
    unit_price,
    guide_price,
    floor_price,
    dealer_price,
    case
        when guide_price is not null and guide_price <> 0
            then cast(unit_price - guide_price as {{ type_ratio() }}) / cast(guide_price as {{ type_ratio() }})
    end as deviation_pct,
    case when floor_price is not null then unit_price < floor_price end as is_below_floor
from {{ ref('int_sales_lines') }}
{{ where_in_scope() }}

{#- What each dealer sold per month: its current accepted sales lines by sale month, with
    how many were priced at or above the floor price in force on the sale date. -#}
with monthly as (
    select
        dealer_id,
        sale_month as month,
        count(*) as sales_lines,
        sum(qty) as sell_out_qty,
        sum(line_value) as sell_out_value,
        sum(case when floor_price is not null then 1 else 0 end) as floor_priced_lines,
        sum(case when unit_price >= floor_price then 1 else 0 end) as at_or_above_floor_lines
    from {{ ref('int_sales_lines') }}
    group by dealer_id, sale_month
)

select
    monthly.*,
    case
        when floor_priced_lines > 0
            then cast(at_or_above_floor_lines as {{ type_ratio() }})
                 / cast(floor_priced_lines as {{ type_ratio() }})
    end as at_or_above_floor_share
from monthly

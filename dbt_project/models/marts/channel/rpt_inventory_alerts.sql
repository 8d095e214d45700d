{#- Stock alerts of the newest month of fct_sell_through_monthly: weeks_of_cover under 2
    (low) or over 12 (overstock). Where weeks_of_cover is empty (no sell-out in the cover
    window) positive stock is not moving, which is overstock too - but only once the pair
    has a full three-month window: stock that arrived within the last two months has not
    had time to sell. Stock at or below zero after recent sales has weeks_of_cover <= 0,
    so it is low. -#}
{%- set low_below = 2 -%}
{%- set overstock_above = 12 -%}

with newest as (
    select *
    from {{ ref('fct_sell_through_monthly') }}
    where month = (select max(month) from {{ ref('fct_sell_through_monthly') }})
),

classified as (
    select
        n.*,
        case
            when n.weeks_of_cover is not null
                then cast(n.cover_sell_out_qty as {{ type_ratio() }}) * 7 / n.cover_days
        end as weekly_sell_out_qty,
        case
            when n.weeks_of_cover is null then 'no_sell_out'
            when n.closing_qty <= 0 then 'out_of_stock'
            when n.weeks_of_cover < {{ low_below }} then 'low_cover'
            else 'high_cover'
        end as reason
    from newest as n
    where n.weeks_of_cover < {{ low_below }}
       or n.weeks_of_cover > {{ overstock_above }}
       or (n.weeks_of_cover is null and n.closing_qty > 0 and n.cover_months = 3)
),

worded as (
    select
        c.*,
        case when c.reason in ('out_of_stock', 'low_cover') then 'low' else 'overstock' end as alert_level,
        {{ dbt.concat([
            "c.dealer_id", "' holds '", number_text('c.closing_qty'), "' x '", "c.sku",
            "coalesce(" ~ dbt.concat(["' ('", "p.product_name", "')'"]) ~ ", '')",
            "' at the end of '",
            "substr(cast(c.month as " ~ dbt.type_string() ~ "), 1, 7)"
        ]) }} as holding,
        {{ number_text(round_decimal('c.weeks_of_cover', 2)) }} as cover_text,
        {{ number_text(round_decimal('c.weekly_sell_out_qty', 1)) }} as pace_text
    from classified as c
    left join {{ ref('stg_products') }} as p
        on p.sku = c.sku
)

select
    dealer_id,
    sku,
    month,
    alert_level,
    reason,
    closing_qty,
    weeks_of_cover,
    cover_sell_out_qty as sell_out_qty_3m,
    cover_months,
    weekly_sell_out_qty,
    case reason
        when 'low_cover' then {{ dbt.concat([
            "holding", "', '", "cover_text", "' weeks of cover at the recent pace of '", "pace_text",
            "' units a week (under " ~ low_below ~ "): plan a shipment now.'"
        ]) }}
        when 'out_of_stock' then {{ dbt.concat([
            "holding", "' after selling '", number_text('cover_sell_out_qty'), "' in the last '",
            "cast(cover_months as " ~ dbt.type_string() ~ ")",
            "' month(s): it is out of stock (below zero means more was sold than delivered: check for unrecorded deliveries); plan a shipment now.'"
        ]) }}
        when 'high_cover' then {{ dbt.concat([
            "holding", "', '", "cover_text", "' weeks of cover at the recent pace of '", "pace_text",
            "' units a week (over " ~ overstock_above ~ "): hold further shipments or plan a promotion.'"
        ]) }}
        else {{ dbt.concat([
            "holding", "' and sold none of it in the last 3 months: the stock is not moving; hold further shipments, check the product is on display or plan a promotion.'"
        ]) }}
    end as advice
from worded

{#- Stock alerts of the newest month of fct_sell_through_monthly, against the company's
    thresholds (stg_alert_thresholds: the matching row of the newest snapshot, most specific
    first; 2 and 12 weeks where none matches or none was sent). Low looks at the cover of the
    stock on hand plus the goods in transit (在途), which reach the shelf soon; overstock at
    the stock on hand. Where weeks_of_cover is empty (no sell-out in the cover window) positive
    stock is not moving, which is overstock too - but only once the pair has a full
    three-month window: stock that arrived within the last two months has not had time to
    sell. Stock at or below zero after recent sales, with too little on its way, is low. -#}
{%- set default_low = 2 -%}
{%- set default_high = 12 -%}

with newest as (
    select
        f.*,
        case
            when f.cover_sell_out_qty <> 0
                then cast(f.closing_qty + f.in_transit_qty as {{ type_ratio() }}) * f.cover_days
                     / (7 * cast(f.cover_sell_out_qty as {{ type_ratio() }}))
        end as weeks_of_cover_incl_transit
    from {{ ref('fct_sell_through_monthly') }} as f
    where f.month = (select max(month) from {{ ref('fct_sell_through_monthly') }})
),

matches as (
    select
        n.dealer_id,
        n.sku,
        t.category,
        t.tier,
        t.low_weeks,
        t.high_weeks,
        t.source_file,
        t.source_row,
        row_number() over (partition by n.dealer_id, n.sku order by t.specificity) as preference
    from newest as n
    left join {{ ref('stg_dealers') }} as d
        on d.dealer_id = n.dealer_id
    left join {{ ref('stg_products') }} as p
        on p.sku = n.sku
    inner join {{ ref('stg_alert_thresholds') }} as t
        on (t.category = p.category or t.category = '*')
       and (t.tier = d.tier or t.tier = '*')
),

thresholded as (
    select
        n.*,
        cast(coalesce(m.low_weeks, {{ default_low }}) as {{ type_qty() }}) as low_weeks,
        cast(coalesce(m.high_weeks, {{ default_high }}) as {{ type_qty() }}) as high_weeks,
        m.category as threshold_category,
        m.tier as threshold_tier,
        m.source_file as threshold_source_file,
        m.source_row as threshold_source_row
    from newest as n
    left join matches as m
        on m.dealer_id = n.dealer_id and m.sku = n.sku and m.preference = 1
),

classified as (
    select
        t.*,
        case
            when t.weeks_of_cover is not null
                then cast(t.cover_sell_out_qty as {{ type_ratio() }}) * 7 / t.cover_days
        end as weekly_sell_out_qty,
        case
            when t.weeks_of_cover is null then 'no_sell_out'
            when t.closing_qty <= 0 then 'out_of_stock'
            when t.weeks_of_cover_incl_transit < t.low_weeks then 'low_cover'
            else 'high_cover'
        end as reason
    from thresholded as t
    where t.weeks_of_cover_incl_transit < t.low_weeks
       or t.weeks_of_cover > t.high_weeks
       or (t.weeks_of_cover is null and t.closing_qty > 0 and t.cover_months = 3)
),

worded as (
    select
        c.*,
        case when c.reason in ('out_of_stock', 'low_cover') then 'low' else 'overstock' end as alert_level,
        {{ dbt.concat([
            "c.dealer_id", "' holds '", number_text('c.closing_qty'), "' x '", "c.sku",
            "coalesce(" ~ dbt.concat(["' ('", "p.product_name", "')'"]) ~ ", '')",
            "case when c.in_transit_qty <> 0 then " ~ dbt.concat(["' with '", number_text('c.in_transit_qty'), "' in transit'"]) ~ " else '' end",
            "' at the end of '",
            "substr(cast(c.month as " ~ dbt.type_string() ~ "), 1, 7)"
        ]) }} as holding,
        {{ number_text(round_decimal('c.weeks_of_cover', 2)) }} as cover_text,
        {{ number_text(round_decimal('c.weeks_of_cover_incl_transit', 2)) }} as cover_incl_transit_text,
        {{ number_text(round_decimal('c.weekly_sell_out_qty', 1)) }} as pace_text,
        {{ number_text('c.low_weeks') }} as low_text,
        {{ number_text('c.high_weeks') }} as high_text
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
    in_transit_qty,
    weeks_of_cover,
    weeks_of_cover_incl_transit,
    low_weeks,
    high_weeks,
    threshold_category,
    threshold_tier,
    threshold_source_file,
    cast(threshold_source_row as {{ dbt.type_int() }}) as threshold_source_row,
    cover_sell_out_qty as sell_out_qty_3m,
    cover_months,
    weekly_sell_out_qty,
    case reason
        when 'low_cover' then {{ dbt.concat([
            "holding", "', '", "cover_incl_transit_text", "' weeks of cover at the recent pace of '", "pace_text",
            "' units a week (under '", "low_text", "'): plan a shipment now.'"
        ]) }}
        when 'out_of_stock' then {{ dbt.concat([
            "holding", "' after selling '", number_text('cover_sell_out_qty'), "' in the last '",
            "cast(cover_months as " ~ dbt.type_string() ~ ")",
            "' month(s): it is out of stock (below zero means more was sold than delivered: check for unrecorded deliveries); plan a shipment now.'"
        ]) }}
        when 'high_cover' then {{ dbt.concat([
            "holding", "', '", "cover_text", "' weeks of cover at the recent pace of '", "pace_text",
            "' units a week (over '", "high_text", "'): hold further shipments or plan a promotion.'"
        ]) }}
        else {{ dbt.concat([
            "holding", "' and sold none of it in the last 3 months: the stock is not moving; hold further shipments, check the product is on display or plan a promotion.'"
        ]) }}
    end as advice
from worded

{#- Suggested orders for the month after the last complete month (the first month of
    fct_forecast), dealer x sku, from the forecast of the sku's sell-out in the dealer's
    region: the region's forecast is shared among its active dealers by their sell-out of
    the sku in the three months up to the last complete month (equally where none of them
    sold it), and the dealer's stock at the end of that month - on hand (a negative book stock
    counts as none) plus in transit - is set against its share of the forecast plus a safety
    stock, its share of the gap between the forecast and the interval's upper bound. The
    formula is in docs/marts.md (rpt_replenishment). -#}
with plan as (
    select sku, region, month, last_complete_month, forecast_qty, forecast_hi, interval_level
    from {{ ref('fct_forecast') }}
    -- the sku x region rows: the other levels (fct_forecast.level) are their sums
    where month = {{ add_months('last_complete_month', 1) }} and level = 'sku_region'
),

stock as (
    select
        f.dealer_id,
        f.sku,
        d.region,
        p.month,
        p.last_complete_month as stock_month,
        f.closing_qty,
        f.in_transit_qty,
        f.cover_sell_out_qty as sell_out_qty_3m,
        p.forecast_qty as region_forecast_qty,
        p.forecast_hi as region_forecast_hi,
        p.interval_level
    from {{ ref('fct_sell_through_monthly') }} as f
    inner join {{ ref('dim_dealer') }} as d
        on d.dealer_id = f.dealer_id and d.status = 'active'
    inner join plan as p
        on p.sku = f.sku and p.region = d.region and p.last_complete_month = f.month
),

shared as (
    select
        s.*,
        sum(s.sell_out_qty_3m) over (partition by s.sku, s.region) as region_sell_out_qty_3m,
        count(*) over (partition by s.sku, s.region) as region_dealers
    from stock as s
),

sized as (
    select
        sh.*,
        case
            when sh.region_sell_out_qty_3m > 0
                then cast(sh.sell_out_qty_3m as {{ type_ratio() }}) / cast(sh.region_sell_out_qty_3m as {{ type_ratio() }})
            else 1 / cast(sh.region_dealers as {{ type_ratio() }})
        end as demand_share,
        case when sh.closing_qty > 0 then sh.closing_qty else 0 end as on_hand_qty
    from shared as sh
),

planned as (
    select
        z.*,
        z.region_forecast_qty * z.demand_share as demand_qty,
        (z.region_forecast_hi - z.region_forecast_qty) * z.demand_share as safety_stock_qty,
        cast(z.on_hand_qty + z.in_transit_qty as {{ type_ratio() }}) as available_qty
    from sized as z
),

ordered as (
    select
        pl.*,
        {#- whole units, rounded up; 6 places first so that 10.0000000001 is 10, not 11 #}
        case
            when pl.demand_qty + pl.safety_stock_qty - pl.available_qty > 0
                then cast(ceil({{ round_decimal('pl.demand_qty + pl.safety_stock_qty - pl.available_qty', 6) }}) as {{ dbt.type_int() }})
            else 0
        end as suggested_order_qty
    from planned as pl
)

select
    dealer_id,
    sku,
    region,
    month,
    stock_month,
    cast(closing_qty as {{ type_qty() }}) as closing_qty,
    cast(on_hand_qty as {{ type_qty() }}) as on_hand_qty,
    cast(in_transit_qty as {{ type_qty() }}) as in_transit_qty,
    cast(sell_out_qty_3m as {{ type_qty() }}) as sell_out_qty_3m,
    cast(region_sell_out_qty_3m as {{ type_qty() }}) as region_sell_out_qty_3m,
    demand_share,
    region_forecast_qty,
    region_forecast_hi,
    interval_level,
    demand_qty,
    safety_stock_qty,
    demand_qty + safety_stock_qty as target_stock_qty,
    suggested_order_qty,
    {{ dbt.concat([
        "'max(0, ceil('", number_text(round_decimal('demand_qty', 2)), "' demand + '",
        number_text(round_decimal('safety_stock_qty', 2)), "' safety stock - '",
        number_text('on_hand_qty'), "' on hand - '", number_text('in_transit_qty'),
        "' in transit)) = '", "cast(suggested_order_qty as " ~ dbt.type_string() ~ ")"
    ]) }} as formula
from ordered

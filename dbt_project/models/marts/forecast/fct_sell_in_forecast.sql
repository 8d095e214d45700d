{#- Expected shipments to the dealers (sell-in) per sku x region x month for the three
    forecast months, for production planning: rpt_replenishment's suggested order carried
    over the horizon. Each active dealer's share of the region's forecast and its stock at
    the end of the last complete month (on hand + in transit) are rpt_replenishment's; by the
    start of forecast month h the dealer needs its share of the forecast sell-out of months
    1..h plus its safety stock for month h (the target cover), so its cumulative order is
    max(0, ceil(that - on hand - in transit)), never falling; the month's sell-in is the rise
    of the region's sum. Month 1 is therefore the sum of rpt_replenishment.suggested_order_qty.
    The formula is in docs/marts.md (fct_sell_in_forecast). -#}
with dealers as (
    select dealer_id, sku, region, stock_month, demand_share, on_hand_qty, in_transit_qty
    from {{ ref('rpt_replenishment') }}
),

plan as (
    select sku, region, month, last_complete_month, forecast_qty, forecast_hi
    from {{ ref('fct_forecast') }}
    -- the sku x region rows: the other levels (fct_forecast.level) are their sums
    where level = 'sku_region'
),

needs as (
    select
        d.dealer_id,
        d.sku,
        d.region,
        p.month,
        d.stock_month,
        d.on_hand_qty,
        d.in_transit_qty,
        p.forecast_qty,
        p.forecast_hi,
        d.demand_share * sum(p.forecast_qty) over (
            partition by d.dealer_id, d.sku order by p.month
        ) as cum_demand_qty,
        d.demand_share * (p.forecast_hi - p.forecast_qty) as cover_qty
    from dealers as d
    inner join plan as p
        on p.sku = d.sku and p.region = d.region and p.last_complete_month = d.stock_month
),

ordered as (
    select
        n.*,
        {#- whole units, rounded up as rpt_replenishment does #}
        case
            when n.cum_demand_qty + n.cover_qty - n.on_hand_qty - n.in_transit_qty > 0
                then cast(ceil({{ round_decimal('n.cum_demand_qty + n.cover_qty - n.on_hand_qty - n.in_transit_qty', 6) }}) as {{ dbt.type_int() }})
            else 0
        end as cum_order_qty
    from needs as n
),

running as (
    select
        o.*,
        -- a fall of the target cover is no return of goods: what is shipped stays shipped
        max(o.cum_order_qty) over (partition by o.dealer_id, o.sku order by o.month) as cum_shipped_qty
    from ordered as o
),

regional as (
    select
        sku,
        region,
        month,
        stock_month,
        count(*) as dealers,
        max(forecast_qty) as forecast_qty,
        max(forecast_hi) as forecast_hi,
        sum(cum_demand_qty) as cum_forecast_qty,
        sum(cover_qty) as target_cover_qty,
        sum(on_hand_qty) as on_hand_qty,
        sum(in_transit_qty) as in_transit_qty,
        sum(cum_shipped_qty) as cum_sell_in_qty
    from running
    group by sku, region, month, stock_month
),

monthly as (
    select
        r.*,
        r.cum_sell_in_qty - coalesce(lag(r.cum_sell_in_qty) over (partition by r.sku, r.region order by r.month), 0)
            as sell_in_qty
    from regional as r
)

select
    sku,
    region,
    month,
    cast({{ dbt.datediff('stock_month', 'month', 'month') }} as {{ dbt.type_int() }}) as horizon_month,
    stock_month,
    cast(dealers as {{ dbt.type_int() }}) as dealers,
    forecast_qty,
    forecast_hi,
    cum_forecast_qty,
    target_cover_qty,
    cast(on_hand_qty as {{ type_qty() }}) as on_hand_qty,
    cast(in_transit_qty as {{ type_qty() }}) as in_transit_qty,
    cast(cum_sell_in_qty as {{ dbt.type_int() }}) as cum_sell_in_qty,
    cast(sell_in_qty as {{ dbt.type_int() }}) as sell_in_qty,
    {{ dbt.concat([
        number_text(round_decimal('cum_forecast_qty', 2)), "' forecast to date + '",
        number_text(round_decimal('target_cover_qty', 2)), "' cover - '", number_text('on_hand_qty'),
        "' on hand - '", number_text('in_transit_qty'), "' in transit, per dealer max(0, ceil(...)): '",
        "cast(cum_sell_in_qty as " ~ dbt.type_string() ~ ")", "' to date, '",
        "cast(sell_in_qty as " ~ dbt.type_string() ~ ")", "' this month'"
    ]) }} as formula
from monthly

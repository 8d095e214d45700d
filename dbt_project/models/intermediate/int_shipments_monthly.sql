{#- Sell-in per dealer x sku x month on the delivery day (stg_shipments.delivery_date: the
    ship date where the extract gives none), and the goods in transit (在途) at each month's
    end: shipped on or before that day, delivered after it. A shipment delivered within its
    own month is never in transit at a month end.
    Built again only when its inputs moved (macros/incremental.sql, inputs_unchanged): the
    shipments files, the months of int_months. -#}
{{ config(**inputs_config('shipments_monthly_inputs')) }}
{% if inputs_unchanged(shipments_monthly_inputs()) -%}
select * from {{ this }} where false
{%- else -%}
with delivered as (
    select
        dealer_id,
        sku,
        {{ month_start('delivery_date') }} as month,
        sum(qty) as sell_in_qty,
        sum(qty * unit_price) as sell_in_value
    from {{ ref('stg_shipments') }}
    group by dealer_id, sku, {{ month_start('delivery_date') }}
),

in_transit as (
    select
        s.dealer_id,
        s.sku,
        m.month,
        sum(s.qty) as in_transit_qty
    from {{ ref('stg_shipments') }} as s
    inner join {{ ref('int_months') }} as m
        on s.ship_date <= m.month_end and s.delivery_date > m.month_end
    group by s.dealer_id, s.sku, m.month
)

select
    coalesce(d.dealer_id, t.dealer_id) as dealer_id,
    coalesce(d.sku, t.sku) as sku,
    coalesce(d.month, t.month) as month,
    coalesce(d.sell_in_qty, 0) as sell_in_qty,
    coalesce(d.sell_in_value, 0) as sell_in_value,
    coalesce(t.in_transit_qty, 0) as in_transit_qty
from delivered as d
full outer join in_transit as t
    on t.dealer_id = d.dealer_id and t.sku = d.sku and t.month = d.month
{%- endif %}

{#- Incremental by dealer (macros/incremental.sql): a night rebuilds every pair of the dealers
    its sales and stock files and its shipment lines touched (a month opens with the previous
    one's closing); a new opening inventory or products snapshot, a whole rebuild of
    int_sales_lines, or a new last month (every pair gains it) rebuilds it whole. -#}
{{ config(
    materialized=incremental_materialization(),
    tags=['monthly'],
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    pre_hook="{{ incremental_scope(['sales', 'inventory'], ['opening_inventory', 'products'], upstream=['int_sales_lines'], full_if=last_month_moved(), widen=scope_dealers(), rows=dealer_rows('l'), backfill_rows=in_months('l.month', onward=true)) }}",
    post_hook="{{ incremental_done() }}",
) }}

with opening as (
    select dealer_id, sku, {{ month_start('as_of_date') }} as month, sum(qty) as qty
    from {{ ref('stg_opening_inventory') }}
    group by dealer_id, sku, {{ month_start('as_of_date') }}
),

{#- sell-in on the delivery day, and goods in transit at the month end -#}
sell_in as (
    select * from {{ ref('int_shipments_monthly') }}
),

sell_out as (
    select dealer_id, sku, sale_month as month, sum(qty) as qty, sum(line_value) as sell_out_value
    from {{ ref('int_sales_lines') }} as l
    {% if is_incremental() %}where {{ dealer_rows('l') }}{% endif %}
    group by dealer_id, sku, sale_month
),

pairs as (
    select dealer_id, sku, min(month) as first_month
    from (
        select dealer_id, sku, month from opening
        union all
        {#- goods on their way count as activity: the pair's stock picture starts then #}
        select dealer_id, sku, month from sell_in
        union all
        select dealer_id, sku, month from sell_out
    ) as l
    {% if is_incremental() %}where {{ dealer_rows('l') }}{% endif %}
    group by dealer_id, sku
),

grid as (
    select p.dealer_id, p.sku, p.first_month, m.month, m.month_end, m.days_in_month
    from pairs as p
    inner join {{ ref('int_months') }} as m
        on m.month >= p.first_month
),

flows as (
    select
        g.dealer_id,
        g.sku,
        g.month,
        g.month_end,
        g.days_in_month,
        g.month = g.first_month as is_first_month,
        {#- opening inventory counts in the pair's first month only; later months open
            with the previous month's closing -#}
        case when g.month = g.first_month then coalesce(o.qty, 0) else 0 end as first_opening_qty,
        coalesce(si.sell_in_qty, 0) as sell_in_qty,
        coalesce(si.sell_in_value, 0) as sell_in_value,
        coalesce(si.in_transit_qty, 0) as in_transit_qty,
        coalesce(so.qty, 0) as sell_out_qty,
        coalesce(so.sell_out_value, 0) as sell_out_value
    from grid as g
    left join opening as o
        on o.dealer_id = g.dealer_id and o.sku = g.sku and o.month = g.month
    left join sell_in as si
        on si.dealer_id = g.dealer_id and si.sku = g.sku and si.month = g.month
    left join sell_out as so
        on so.dealer_id = g.dealer_id and so.sku = g.sku and so.month = g.month
),

running as (
    select
        f.*,
        sum(first_opening_qty + sell_in_qty - sell_out_qty) over (
            partition by dealer_id, sku order by month
            rows between unbounded preceding and current row
        ) as closing_qty,
        sum(sell_out_qty) over (
            partition by dealer_id, sku order by month
            rows between 2 preceding and current row
        ) as cover_sell_out_qty,
        sum(days_in_month) over (
            partition by dealer_id, sku order by month
            rows between 2 preceding and current row
        ) as cover_days,
        count(*) over (
            partition by dealer_id, sku order by month
            rows between 2 preceding and current row
        ) as cover_months
    from flows as f
),

reported as (
    select
        r.dealer_id,
        r.report_date,
        i.sku,
        sum(i.qty_on_hand) as qty_on_hand
    from {{ ref('stg_inventory_reports') }} as r
    inner join {{ ref('stg_inventory') }} as i
        on i.source_file = r.source_file
    {% if is_incremental() %}where {{ dealer_rows('r') }}{% endif %}
    group by r.dealer_id, r.report_date, i.sku
),

measured as (
    select
        ru.*,
        ru.closing_qty - ru.sell_in_qty + ru.sell_out_qty as opening_qty,
        case
            when rep.source_file is null then null
            else coalesce(inv.qty_on_hand, 0)
        end as reported_closing_qty,
        p.unit_cost
    from running as ru
    left join {{ ref('stg_products') }} as p
        on p.sku = ru.sku
    left join {{ ref('stg_inventory_reports') }} as rep
        on rep.dealer_id = ru.dealer_id and rep.report_date = ru.month_end
    left join reported as inv
        on inv.dealer_id = ru.dealer_id and inv.report_date = ru.month_end and inv.sku = ru.sku
)

select
    dealer_id,
    sku,
    month,
    is_first_month,
    cast(opening_qty as {{ type_qty() }}) as opening_qty,
    cast(sell_in_qty as {{ type_qty() }}) as sell_in_qty,
    cast(sell_out_qty as {{ type_qty() }}) as sell_out_qty,
    cast(closing_qty as {{ type_qty() }}) as closing_qty,
    cast(in_transit_qty as {{ type_qty() }}) as in_transit_qty,
    cast(sell_in_value as {{ type_money() }}) as sell_in_value,
    cast(sell_out_value as {{ type_money() }}) as sell_out_value,
    cast(closing_qty * unit_cost as {{ type_money() }}) as closing_value,
    cast(reported_closing_qty as {{ type_qty() }}) as reported_closing_qty,
    cast(reported_closing_qty - closing_qty as {{ type_qty() }}) as inventory_variance_qty,
    case
        when opening_qty + sell_in_qty > 0
            then cast(sell_out_qty as {{ type_ratio() }}) / cast(opening_qty + sell_in_qty as {{ type_ratio() }})
    end as sell_through_rate,
    cast(cover_sell_out_qty as {{ type_qty() }}) as cover_sell_out_qty,
    cast(cover_months as {{ dbt.type_int() }}) as cover_months,
    cast(cover_days as {{ dbt.type_int() }}) as cover_days,
    case
        when cover_sell_out_qty <> 0
            then cast(closing_qty as {{ type_ratio() }}) * cover_days
                 / (7 * cast(cover_sell_out_qty as {{ type_ratio() }}))
    end as weeks_of_cover
from measured
{#- a backfill of months (macros/incremental.sql) computes every dealer's pairs and keeps the
    months from its first on: each opens with the previous one's closing #}
{% if is_incremental() %}where {{ in_months('month', onward=true) }}{% endif %}

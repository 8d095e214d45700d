{#- Every month from the earliest to the latest month of any opening inventory, current
    shipment or current accepted sales line: the month axis of sell-through. Of the sales lines
    only the first and last dates matter, read from the int_sales_lines table (as dim_date
    does): the stg_sales view would read every raw sales file again on every night.
    Built again only when its inputs moved (macros/incremental.sql, inputs_unchanged): the
    opening inventory and shipments files, the sales lines' first and last month. -#}
{{ config(**inputs_config('months_inputs')) }}
{% if inputs_unchanged(months_inputs()) -%}
select * from {{ this }} where false
{%- else -%}
with activity as (
    select min(as_of_date) as first_day, max(as_of_date) as last_day
    from {{ ref('stg_opening_inventory') }}
    union all
    select min(ship_date), max(ship_date) from {{ ref('stg_shipments') }}
    union all
    select min(sale_date), max(sale_date) from {{ ref('int_sales_lines') }}
),

bounds as (
    select
        {{ month_start('min(first_day)') }} as first_month,
        {{ month_start('max(last_day)') }} as last_month
    from activity
),

months as (
    select {{ add_months('b.first_month', 'i.n') }} as month
    from bounds as b
    cross join ({{ integers(4) }}) as i
    where i.n <= {{ dbt.datediff('b.first_month', 'b.last_month', 'month') }}
)

select
    month,
    {{ add_days(add_months('month', 1), -1) }} as month_end,
    {{ days_in_month('month') }} as days_in_month
from months
{%- endif %}

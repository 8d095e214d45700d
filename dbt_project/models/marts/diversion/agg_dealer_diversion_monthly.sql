{#- One pair of columns per diversion rule of the codes seed (family diversion), in its
    rule_order; the contract in the YAML lists the same columns, so a new rule is added to both
    (a test compares them with the seed). -#}
{%- set rules = ['OUT_OF_TERRITORY', 'FOREIGN_BATCH', 'UNKNOWN_BATCH', 'DOUBLE_REPORTED'] %}
with dealer_months as (
    select distinct dealer_id, month
    from {{ ref('fct_sell_through_monthly') }}
),

flags as (
    select
        dealer_id,
        sale_month as month,
        {% for rule in rules -%}
        sum(case when rule = '{{ rule }}' then 1 else 0 end) as {{ rule | lower }}_lines,
        sum(case when rule = '{{ rule }}' then qty else 0 end) as {{ rule | lower }}_qty,
        {% endfor -%}
        count(*) as flags
    from {{ ref('int_diversion_flags') }}
    group by dealer_id, sale_month
),

flagged_lines as (
    select dealer_id, sale_month as month, count(*) as flagged_lines, sum(qty) as flagged_qty
    from (
        select distinct source_file, source_row, dealer_id, sale_month, qty
        from {{ ref('int_diversion_flags') }}
    ) as lines
    group by dealer_id, sale_month
),

negative_stock as (
    select
        dealer_id,
        month,
        count(*) as negative_stock_skus,
        {{ sorted_listagg('sku', ',') }} as negative_stock_sku_list
    from {{ ref('fct_sell_through_monthly') }}
    where closing_qty < 0
    group by dealer_id, month
)

select
    dm.dealer_id,
    dm.month,
    {% for rule in rules | map('lower') -%}
    coalesce(f.{{ rule }}_lines, 0) as {{ rule }}_lines,
    cast(coalesce(f.{{ rule }}_qty, 0) as {{ type_qty() }}) as {{ rule }}_qty,
    {% endfor -%}
    coalesce(f.flags, 0) as flags,
    coalesce(fl.flagged_lines, 0) as flagged_lines,
    cast(coalesce(fl.flagged_qty, 0) as {{ type_qty() }}) as flagged_qty,
    coalesce(n.negative_stock_skus, 0) as negative_stock_skus,
    n.negative_stock_sku_list
from dealer_months as dm
left join flags as f
    on f.dealer_id = dm.dealer_id and f.month = dm.month
left join flagged_lines as fl
    on fl.dealer_id = dm.dealer_id and fl.month = dm.month
left join negative_stock as n
    on n.dealer_id = dm.dealer_id and n.month = dm.month

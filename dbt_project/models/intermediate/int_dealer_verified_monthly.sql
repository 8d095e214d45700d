{#- Each dealer's verified sell-out per month (docs/marts.md, targets/): the value of its
    verified sales lines (accepted, no diversion flag: int_sales_lines_evidence, the lines
    the write-off counts) and what the diversion flags kept out of it. Targets and rebate
    periods are whole months or quarters, so months are the grain every period sums from. -#}
with verified as (
    select dealer_id, sale_month as month, count(*) as verified_lines, sum(line_value) as verified_value
    from {{ ref('int_sales_lines_evidence') }}
    group by dealer_id, sale_month
)

select
    s.dealer_id,
    s.month,
    s.sales_lines,
    s.sell_out_value,
    coalesce(v.verified_lines, 0) as verified_lines,
    coalesce(v.verified_value, 0) as verified_value,
    s.sales_lines - coalesce(v.verified_lines, 0) as excluded_lines,
    s.sell_out_value - coalesce(v.verified_value, 0) as excluded_value
from {{ ref('int_dealer_sales_monthly') }} as s
left join verified as v
    on v.dealer_id = s.dealer_id and v.month = s.month

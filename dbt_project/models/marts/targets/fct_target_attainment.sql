{#- Attainment of every target row (业绩目标达成, docs/marts.md, targets/): the dealer's
    verified value in the period over its target. Verified value counts accepted lines with
    no diversion flag only; what the flags excluded is shown beside it. -#}
select
    t.dealer_id,
    t.period,
    t.period_type,
    t.period_start,
    t.period_end,
    t.target_value,
    cast(coalesce(sum(v.verified_value), 0) as decimal(38, 8)) as verified_value,
    cast(
        cast(coalesce(sum(v.verified_value), 0) as {{ type_ratio() }}) / cast(t.target_value as {{ type_ratio() }})
        as {{ type_ratio() }}
    ) as attainment,
    cast(coalesce(sum(v.verified_lines), 0) as bigint) as verified_lines,
    cast(coalesce(sum(v.excluded_lines), 0) as bigint) as excluded_lines,
    cast(coalesce(sum(v.excluded_value), 0) as decimal(38, 8)) as excluded_value,
    t.source_file,
    t.source_row
from {{ ref('stg_targets') }} as t
left join {{ ref('int_dealer_verified_monthly') }} as v
    on v.dealer_id = t.dealer_id
   and v.month >= t.period_start
   and v.month <= t.period_end
group by t.dealer_id, t.period, t.period_type, t.period_start, t.period_end, t.target_value,
    t.source_file, t.source_row

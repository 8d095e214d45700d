{#- Rebate accrual (返利计提) per programme and covered dealer (docs/marts.md, targets/).
    The tier is chosen in exact decimals: min_attainment <= verified / target is tested as
    min_attainment x target <= verified (target > 0), so a dealer landing exactly on a tier
    boundary reaches it; the double `attainment` is for reading only. No price enters:
    resale prices are the dealer's to set. -#}
with programs as (
    select distinct program_id, program_name, quarter, quarter_start, quarter_end, region
    from {{ ref('stg_rebate_programs') }}
),

covered as (
    select p.*, d.dealer_id, d.region as dealer_region
    from programs as p
    inner join {{ ref('stg_dealers') }} as d
        on p.region = '*' or d.region = p.region
),

month_targets as (
    {#- the sum of the quarter's month targets, only when all three are given -#}
    select c.program_id, c.dealer_id, sum(t.target_value) as target_value
    from covered as c
    inner join {{ ref('stg_targets') }} as t
        on t.dealer_id = c.dealer_id
       and t.period_type = 'month'
       and t.period_start >= c.quarter_start
       and t.period_start <= c.quarter_end
    group by c.program_id, c.dealer_id
    having count(*) = 3
),

quarter_sales as (
    select
        c.program_id,
        c.dealer_id,
        sum(m.verified_value) as verified_value,
        sum(m.excluded_lines) as excluded_lines,
        sum(m.excluded_value) as excluded_value
    from covered as c
    inner join {{ ref('int_dealer_verified_monthly') }} as m
        on m.dealer_id = c.dealer_id
       and m.month >= c.quarter_start
       and m.month <= c.quarter_end
    group by c.program_id, c.dealer_id
),

valued as (
    select
        c.*,
        cast(coalesce(qt.target_value, mt.target_value) as decimal(18, 4)) as quarter_target,
        case when qt.target_value is not null then 'quarter' when mt.target_value is not null then 'months' end
            as target_basis,
        cast(coalesce(s.verified_value, 0) as decimal(38, 8)) as verified_value,
        cast(coalesce(s.excluded_lines, 0) as bigint) as excluded_lines,
        cast(coalesce(s.excluded_value, 0) as decimal(38, 8)) as excluded_value
    from covered as c
    left join {{ ref('stg_targets') }} as qt
        on qt.dealer_id = c.dealer_id and qt.period_type = 'quarter' and qt.period_start = c.quarter_start
    left join month_targets as mt
        on mt.program_id = c.program_id and mt.dealer_id = c.dealer_id
    left join quarter_sales as s
        on s.program_id = c.program_id and s.dealer_id = c.dealer_id
),

reached as (
    {#- the highest tier whose threshold the verified value reaches -#}
    select program_id, dealer_id, min_attainment, rebate_rate
    from (
        select
            v.program_id,
            v.dealer_id,
            t.min_attainment,
            t.rebate_rate,
            row_number() over (partition by v.program_id, v.dealer_id order by t.min_attainment desc) as pick
        from valued as v
        inner join {{ ref('stg_rebate_programs') }} as t
            on t.program_id = v.program_id
           and t.min_attainment * v.quarter_target <= v.verified_value
        where v.quarter_target is not null
    ) as ranked
    where pick = 1
)

select
    v.program_id,
    v.program_name,
    v.quarter,
    v.quarter_start,
    v.quarter_end,
    v.region as program_region,
    v.dealer_id,
    v.dealer_region,
    v.quarter_target,
    v.target_basis,
    v.verified_value,
    v.excluded_lines,
    v.excluded_value,
    cast(
        cast(v.verified_value as {{ type_ratio() }}) / cast(v.quarter_target as {{ type_ratio() }})
        as {{ type_ratio() }}
    ) as attainment,
    r.min_attainment as tier_min_attainment,
    r.rebate_rate,
    {#- factors sized so that the exact product fits decimal(38, 12) on both engines
        (as the write-off's cap, int_claim_rules) -#}
    cast(coalesce(round(
        cast(r.rebate_rate as decimal(10, 4)) * cast(v.verified_value as decimal(27, 8)), 2
    ), 0) as {{ type_money() }}) as rebate_amount,
    case
        when v.quarter_target is null then 'no_target'
        when r.min_attainment is null then 'not_reached'
        else 'earned'
    end as status
from valued as v
left join reached as r
    on r.program_id = v.program_id and r.dealer_id = v.dealer_id

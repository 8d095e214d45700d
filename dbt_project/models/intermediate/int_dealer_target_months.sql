{#- The target each dealer-month is measured against on the scorecard: the month's own
    target row, else the row of its quarter (attainment of the whole quarter). -#}
select dealer_id, month, target_period, target_attainment
from (
    select
        t.dealer_id,
        m.month,
        t.period as target_period,
        t.attainment as target_attainment,
        row_number() over (
            partition by t.dealer_id, m.month
            order by case when t.period_type = 'month' then 0 else 1 end
        ) as pick
    from {{ ref('fct_target_attainment') }} as t
    inner join {{ ref('int_months') }} as m
        on m.month >= t.period_start and m.month <= t.period_end
) as ranked
where pick = 1

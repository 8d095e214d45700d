{#- Active dealers whose contract ends within 90 days after the as-of date, or has already
    ended (docs/marts.md, Reminders). A contract ending on the as-of date is still in force
    that day: 0 days left, bucket 30. -#}
with dealers as (
    select
        d.*,
        {{ dbt.datediff(as_of_date(), 'd.contract_end', 'day') }} as days_left
    from {{ ref('stg_dealers') }} as d
    where d.status = 'active'
      and d.contract_end <= {{ add_days(as_of_date(), 90) }}
)

select
    dealer_id,
    dealer_name,
    tier,
    region,
    contract_start,
    contract_end,
    cast(days_left as integer) as days_left,
    case
        when days_left < 0 then 'expired'
        when days_left <= 30 then '30'
        when days_left <= 60 then '60'
        else '90'
    end as bucket,
    {{ as_of_date() }} as as_of_date,
    contact_email,
    manager_email
from dealers

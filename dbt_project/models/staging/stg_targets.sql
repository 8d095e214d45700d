{#- Targets (业绩目标) of the newest targets snapshot, one row per dealer and period, with the
    period as dates. The contract admits only `YYYY-MM` and `YYYY-Qn` (pipelines/contracts/
    targets.py). Should the snapshot name a dealer and period twice with different values,
    the later row wins, as within a delta file (docs/input_contract.md). -#}
with rows_ as (
    select
        dealer_id,
        period,
        target_value,
        source_file,
        source_row,
        row_number() over (partition by dealer_id, period order by source_row desc) as recency
    from ({{ current_rows('targets') }}) as r
),

dated as (
    select
        rows_.*,
        case when {{ dbt.length('period') }} = 7 and substr(period, 6, 1) = 'Q' then 'quarter' else 'month' end
            as period_type,
        cast(
            case
                when substr(period, 6, 1) <> 'Q' then {{ dbt.concat(["period", "'-01'"]) }}
                else {{ dbt.concat(["substr(period, 1, 4)", "case substr(period, 7, 1) when '1' then '-01-01' "
                    ~ "when '2' then '-04-01' when '3' then '-07-01' else '-10-01' end"]) }}
            end as date
        ) as period_start
    from rows_
    where recency = 1
)

select
    dealer_id,
    period,
    period_type,
    period_start,
    {{ add_days(add_months('period_start', "case when period_type = 'quarter' then 3 else 1 end"), -1) }}
        as period_end,
    target_value,
    source_file,
    source_row
from dated

{#- Rebate programme tiers (返利档位) of the newest rebate_programs snapshot, one row per
    programme and tier. The tiers of a programme share its name, quarter and region
    (docs/input_contract.md); should they not, the programme's first row of the snapshot
    gives them, so every tier belongs to one programme. A tier (same min_attainment) sent
    twice: the later row wins. -#}
with rows_ as (
    select
        r.*,
        row_number() over (partition by program_id, min_attainment order by source_row desc) as recency,
        row_number() over (partition by program_id order by source_row) as position
    from ({{ current_rows('rebate_programs') }}) as r
),

programs as (
    select
        program_id,
        program_name,
        quarter,
        region,
        cast({{ dbt.concat(["substr(quarter, 1, 4)", "case substr(quarter, 7, 1) when '1' then '-01-01' "
            ~ "when '2' then '-04-01' when '3' then '-07-01' else '-10-01' end"]) }} as date) as quarter_start
    from rows_
    where position = 1
)

select
    p.program_id,
    p.program_name,
    p.quarter,
    p.quarter_start,
    {{ add_days(add_months('p.quarter_start', 3), -1) }} as quarter_end,
    p.region,
    t.min_attainment,
    t.rebate_rate,
    t.source_file,
    t.source_row
from rows_ as t
inner join programs as p
    on p.program_id = t.program_id
where t.recency = 1

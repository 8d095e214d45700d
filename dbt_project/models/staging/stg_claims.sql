{#- Per claim_id the row of the newest (submitted_at, source_file) file holding it; within
    one file the last row wins. The claim's dealer is the submitting dealer (the file's). -#}
select
    claim_id,
    dealer_id,
    campaign_id,
    expense_type,
    amount,
    period_start,
    period_end,
    description,
    submitted_at,
    source_file,
    source_row
from (
    select
        c.claim_id,
        f.dealer_id,
        c.campaign_id,
        c.expense_type,
        c.amount,
        c.period_start,
        c.period_end,
        c.description,
        f.submitted_at,
        c.source_file,
        c.source_row,
        row_number() over (
            partition by c.claim_id
            order by f.submitted_at desc, c.source_file desc, c.source_row desc
        ) as recency
    from {{ source('raw', 'claims') }} as c
    inner join {{ source('raw', 'submissions') }} as f
        on c.source_file = f.source_file
       and f.status in ('accepted', 'partially_accepted')
) as ranked
where recency = 1

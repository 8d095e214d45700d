{#- Per (dealer, claim_id) the row of the newest (submitted_at, source_file) file of that
    dealer holding it; within one file the last row wins. The claim's dealer is the submitting
    dealer (the file's); another dealer's row with a claim_id already in use was quarantined
    (CLAIM_ID_TAKEN), so it cannot replace this dealer's claim. -#}
select
    claim_id,
    file_dealer_id as dealer_id,
    campaign_id,
    expense_type,
    amount,
    period_start,
    period_end,
    description,
    submitted_at,
    source_file,
    source_row
from ({{ newest_rows_per_key('claims', ['claim_id'], per_dealer=true) }}) as r

select
    campaign_id,
    campaign_name,
    campaign_type,
    start_date,
    end_date,
    category,
    region,
    reimbursement_rate,
    budget,
    source_file,
    source_row
from ({{ current_rows('campaigns') }}) as r

select
    campaign_id,
    campaign_name,
    campaign_type,
    start_date,
    end_date,
    {{ dbt.datediff('start_date', 'end_date', 'day') }} + 1 as length_days,
    {{ add_days('start_date', '-1 - ' ~ dbt.datediff('start_date', 'end_date', 'day')) }} as baseline_start,
    {{ add_days('start_date', -1) }} as baseline_end,
    category,
    region,
    reimbursement_rate,
    budget
from {{ ref('stg_campaigns') }}

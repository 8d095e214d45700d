-- A campaign reimburses 0 to 100 %, has a budget of at least 0 and lasts at least a day.
select campaign_id
from {{ ref('dim_campaign') }}
where reimbursement_rate < 0 or reimbursement_rate > 1
   or budget < 0
   or length_days < 1

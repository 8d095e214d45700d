{{ config(meta={'dagster': {'ref': {'name': 'fct_expense_writeoff'}}}) }}
-- Per campaign, the approved total never exceeds the budget.
select w.campaign_id, k.budget, sum(w.approved_amount) as approved_total
from {{ ref('fct_expense_writeoff') }} as w
inner join {{ ref('dim_campaign') }} as k
    on k.campaign_id = w.campaign_id
group by w.campaign_id, k.budget
having sum(w.approved_amount) > k.budget

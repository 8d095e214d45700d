-- No claim is approved more than it claimed, nor more than its cap by sales.
select *
from {{ ref('fct_expense_writeoff') }}
where approved_amount > claimed_amount
   or (approved_amount > 0 and (cap_amount is null or approved_amount > cap_amount))
   or approved_amount < 0

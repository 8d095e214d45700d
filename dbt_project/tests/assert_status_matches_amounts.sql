-- status follows from the amounts, and reason_codes is empty exactly when fully approved.
select *
from {{ ref('fct_expense_writeoff') }}
where (status = 'approved') <> (approved_amount = claimed_amount)
   or (status = 'rejected') <> (approved_amount = 0)
   or (status = 'approved') <> (reason_codes is null)

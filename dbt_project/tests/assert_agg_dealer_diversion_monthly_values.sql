-- Counts of lines and flags are never negative.
select dealer_id, month
from {{ ref('agg_dealer_diversion_monthly') }}
where out_of_territory_lines < 0
   or foreign_batch_lines < 0
   or unknown_batch_lines < 0
   or flagged_lines < 0
   or flags < 0

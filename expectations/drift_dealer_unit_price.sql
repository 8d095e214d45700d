-- A dealer's average selling price (sell-out value / quantity) in each month it reported
-- sales for: the price level of what it sold, mix included.
select
    dealer_id as subject,
    month as period,
    sell_out_value / sell_out_qty as value
from marts.fct_dealer_scorecard
where sales_files > 0
  and sell_out_qty > 0

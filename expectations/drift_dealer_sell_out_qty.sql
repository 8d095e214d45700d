-- A dealer's sell-out quantity in each month it reported sales for (at least one sales file
-- read for that month). A month without a file is a timeliness matter (the scorecard's), not
-- a change of volume, so it is left out rather than counted as zero.
select
    dealer_id as subject,
    month as period,
    sell_out_qty as value
from marts.fct_dealer_scorecard
where sales_files > 0

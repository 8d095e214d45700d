-- Accepted sales lines per month over every dealer, for the months whose sales files are due
-- (the 5th of the next month has passed as of the build): a month still being reported
-- would look like a drop.
select
    'all' as subject,
    month as period,
    sum(sales_lines) as value
from marts.fct_dealer_scorecard
where sales_due_date < as_of_date
group by month

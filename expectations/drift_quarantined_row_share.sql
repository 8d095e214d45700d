-- The share of rows quarantined among the rows read, per month of submission, over every
-- file that was read (accepted, partially accepted, or read and later superseded). A month
-- rather than a night: one night holds a handful of files, too few for a stable share; the
-- newest month's share is updated every night as its files arrive.
select
    'all' as subject,
    cast(date_trunc('month', submitted_at) as date) as period,
    sum(rows_quarantined) / sum(rows_read) as value
from marts.dq_submissions
where status in ('accepted', 'partially_accepted', 'superseded')
  and rows_read > 0
  and submitted_at is not null
group by 2

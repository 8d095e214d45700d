{{ config(meta={'dagster': {'ref': {'name': 'dq_submissions'}}}) }}
-- Row counts are never negative, and every file of the raw submission log is listed.
select 'row counts negative' as problem, source_file
from {{ ref('dq_submissions') }}
where rows_read < 0 or rows_accepted < 0 or rows_quarantined < 0

union all

select 'files differ from the raw submission log', null
from (select count(*) as n from {{ ref('dq_submissions') }}) as mart
cross join (select count(*) as n from {{ source('raw', 'submissions') }}) as raw_log
where mart.n <> raw_log.n

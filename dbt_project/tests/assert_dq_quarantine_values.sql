{{ config(meta={'dagster': {'ref': {'name': 'dq_quarantine'}}}) }}
-- Every quarantined row of the raw layer is listed, once.
select mart.n as listed, raw_rows.n as quarantined
from (select count(*) as n from {{ ref('dq_quarantine') }}) as mart
cross join (select count(*) as n from {{ source('raw', 'quarantine') }}) as raw_rows
where mart.n <> raw_rows.n

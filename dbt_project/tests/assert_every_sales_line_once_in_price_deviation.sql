{{ config(meta={'dagster': {'ref': {'name': 'fct_price_deviation'}}}) }}
-- Every current accepted sales line appears exactly once in fct_price_deviation, and nothing
-- else does.
with lines as (
    select source_file, source_row, count(*) as n
    from {{ ref('stg_sales') }}
    group by source_file, source_row
),

deviation as (
    select source_file, source_row, count(*) as n
    from {{ ref('fct_price_deviation') }}
    group by source_file, source_row
)

select
    coalesce(l.source_file, d.source_file) as source_file,
    coalesce(l.source_row, d.source_row) as source_row,
    l.n as in_sales,
    d.n as in_deviation
from lines as l
full outer join deviation as d
    on d.source_file = l.source_file and d.source_row = l.source_row
where l.n is null or d.n is null or d.n <> 1

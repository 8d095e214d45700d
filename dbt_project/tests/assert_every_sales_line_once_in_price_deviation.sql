{{ config(meta={'dagster': {'ref': {'name': 'fct_price_deviation'}}}) }}
-- Every current accepted sales line appears exactly once in int_sales_lines and exactly once
-- in fct_price_deviation, and nothing else appears in either: this is the key test of both
-- (source_file, source_row). One grouping of both tables instead of a unique test on each and
-- a join between them: a unique test on int_sales_lines would hold back every mart until it
-- had re-read the 12.5M lines at M (dbt build runs a model's children after its tests).
-- int_sales_lines holds every line of stg_sales (it only left-joins to them, on keys tested
-- unique); reading the stg_sales view instead would read the whole raw Parquet folder again
-- at the end of the build.
select
    source_file,
    source_row,
    count(*) filter (where side = 'lines') as times_in_sales_lines,
    count(*) filter (where side = 'deviation') as times_in_price_deviation
from (
    select source_file, source_row, 'lines' as side from {{ ref('int_sales_lines') }}
    union all
    select source_file, source_row, 'deviation' as side from {{ ref('fct_price_deviation') }}
) as keys
group by source_file, source_row
having count(*) filter (where side = 'lines') <> 1
    or count(*) filter (where side = 'deviation') <> 1

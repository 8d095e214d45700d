{{ config(meta={'dagster': {'ref': {'name': 'fct_price_deviation'}}}) }}
-- Every current accepted sales line appears in fct_price_deviation, and nothing else does.
-- "Exactly once" is this together with the unique tests of (source_file, source_row) on
-- int_sales_lines and on fct_price_deviation. The lines are read from int_sales_lines, which
-- holds every line of stg_sales (it only left-joins to them, on keys tested unique): the
-- view would read the whole raw Parquet folder again at the end of the build.
select
    coalesce(l.source_file, d.source_file) as source_file,
    coalesce(l.source_row, d.source_row) as source_row,
    l.source_file is not null as in_sales,
    d.source_file is not null as in_deviation
from {{ ref('int_sales_lines') }} as l
full outer join {{ ref('fct_price_deviation') }} as d
    on d.source_file = l.source_file and d.source_row = l.source_row
where l.source_file is null or d.source_file is null

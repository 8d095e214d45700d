{#- The sales lines that count as evidence for claims and campaign ROI: current accepted
    lines with no diversion flag.
    A view, not a table: a copy of every line would be one of the largest tables of the
    build to write, and its two readers take a few columns of it. -#}
{{ config(materialized='view') }}
select l.*
from {{ ref('int_sales_lines') }} as l
left join (
    select distinct source_file, source_row from {{ ref('int_diversion_flags') }}
) as f
    on f.source_file = l.source_file and f.source_row = l.source_row
where f.source_file is null

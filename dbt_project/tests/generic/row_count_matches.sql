{#- The model's row count stands in `comparison` ('=', '<=' or '>=') to the row count of
    `other` (a ref or source), counted over its rows where `other_where` holds, over its
    distinct `other_distinct` columns, or as the aggregate `other_count` (e.g. a sum of
    counts a log records). A reconciliation of a mart with the rows it is built from.
    One row when it does not hold: both counts. -#}
{% test row_count_matches(model, other, comparison='=', other_where=none, other_distinct=none, other_count='count(*)') %}
{%- if comparison not in ('=', '<=', '>=') -%}
    {{ exceptions.raise_compiler_error("row_count_matches: comparison must be '=', '<=' or '>=', not " ~ comparison) }}
{%- endif %}
select here.n as rows_here, there.n as rows_there
from (select count(*) as n from {{ model }}) as here
cross join (
    select {{ other_count }} as n
    {%- if other_distinct %}
    from (
        select distinct {{ other_distinct | join(', ') }}
        from {{ other }}
        {%- if other_where %}
        where {{ other_where }}
        {%- endif %}
    ) as distinct_rows
    {%- else %}
    from {{ other }}
    {%- if other_where %}
    where {{ other_where }}
    {%- endif %}
    {%- endif %}
) as there
where not (here.n {{ comparison }} there.n)
{% endtest %}

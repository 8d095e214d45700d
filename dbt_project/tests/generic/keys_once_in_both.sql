{#- Every key (`columns`) is exactly once in the model and exactly once in `other`, and
    neither holds a key the other lacks: the key test of both tables and the proof that one
    holds a row for every row of the other. One grouping of both instead of a unique test on
    each and a join between them, so each table is read once. One row per key broken, with
    the number of times it is on each side. -#}
{#- A `where` of the test limits both sides (get_where_subquery), each to its own rows. -#}
{% test keys_once_in_both(model, other, columns) %}
{%- set key = columns | join(', ') %}
{%- set other = get_where_subquery(other) %}
select
    {{ key }},
    count(*) filter (where side = 'other') as times_in_other,
    count(*) filter (where side = 'model') as times_in_model
from (
    select {{ key }}, 'other' as side from {{ other }}
    union all
    select {{ key }}, 'model' as side from {{ model }}
) as keys
group by {{ key }}
having count(*) filter (where side = 'other') <> 1
    or count(*) filter (where side = 'model') <> 1
{% endtest %}

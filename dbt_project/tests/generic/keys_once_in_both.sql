{#- Every key (`columns`) is exactly once in the model and exactly once in `other`, and
    neither holds a key the other lacks: the key test of both tables and the proof that one
    holds a row for every row of the other. One grouping of both instead of a unique test on
    each and a join between them, so each table is read once. One row per key broken, with
    the number of times it is on each side. -#}
{#- A `where` of the test limits both sides (get_where_subquery), each to its own rows. -#}
{#- The key's first column (a file name wherever the test is used) enters the grouping as a
    number from a dictionary of its distinct values: a grouping of fixed-width keys spills to
    disk under DuckDB's memory bound, where the same grouping of the names ran out of it on a
    whole build at scale L (2 x 69.5M line keys; bench/README.md, "Memory at L"). -#}
{% test keys_once_in_both(model, other, columns) %}
{%- set first = columns[0] %}
{%- set rest = columns[1:] %}
{%- set other = get_where_subquery(other) %}
with model_keys as (
    select {{ columns | join(', ') }} from {{ model }}
),

other_keys as (
    select {{ columns | join(', ') }} from {{ other }}
),

dictionary as (
    select {{ first }}, row_number() over (order by {{ first }}) as key_id
    from (
        select {{ first }} from model_keys
        union
        select {{ first }} from other_keys
    ) as firsts
),

keys as (
    select dictionary.key_id{% for c in rest %}, k.{{ c }}{% endfor %}, 1 as in_other, 0 as in_model
    from other_keys as k
    inner join dictionary on k.{{ first }} is not distinct from dictionary.{{ first }}
    union all
    select dictionary.key_id{% for c in rest %}, k.{{ c }}{% endfor %}, 0 as in_other, 1 as in_model
    from model_keys as k
    inner join dictionary on k.{{ first }} is not distinct from dictionary.{{ first }}
),

broken as (
    select
        key_id{% for c in rest %}, {{ c }}{% endfor %},
        sum(in_other) as times_in_other,
        sum(in_model) as times_in_model
    from keys
    group by key_id{% for c in rest %}, {{ c }}{% endfor %}
    having sum(in_other) <> 1 or sum(in_model) <> 1
)

select
    dictionary.{{ first }}{% for c in rest %}, broken.{{ c }}{% endfor %},
    broken.times_in_other,
    broken.times_in_model
from broken
inner join dictionary on broken.key_id = dictionary.key_id
{% endtest %}

{#- Per value of `key`, the sum of the column over the model's rows never exceeds the
    `limit_column` of the row of `to` whose `field` holds that value (a budget, a cap).
    Keys missing from `to` are not checked (a relationships test holds them). One row per
    key over its limit: the key, the limit and the sum. -#}
{% test sum_within_limit(model, column_name, key, to, field, limit_column) %}
select m.{{ key }}, l.{{ limit_column }} as limit_value, sum(m.{{ column_name }}) as total
from {{ model }} as m
inner join {{ to }} as l
    on l.{{ field }} = m.{{ key }}
group by m.{{ key }}, l.{{ limit_column }}
having sum(m.{{ column_name }}) > l.{{ limit_column }}
{% endtest %}

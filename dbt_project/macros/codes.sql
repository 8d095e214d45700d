{#- The values of `column` in `model` that are not a list of codes of `family` in the seed
    dcw_codes: a value is one code, or several joined by `,` without spaces, each once and
    in the seed's rule_order (NULL holds no code and passes); with `single`, exactly one
    code. One row per bad value: the model, the column, the value, and what is wrong.

    Every code of the family is looked for as `,CODE,` inside `,value,`. The value is a
    proper list exactly when the codes found, one separator each, cover all of it: an
    unknown or repeated code, a space or an empty value leave characters uncovered. Plain
    string functions only, so the same SQL runs on DuckDB and Spark. -#}
{% macro codes_outside_seed(model, column, family, single=false) -%}
    {%- set found_at = dbt.position(
        dbt.concat(["','", "k.code", "','"]), dbt.concat(["','", "v.value", "','"])) -%}
    {%- set values -%}
        (select distinct {{ column }} as value from {{ model }} where {{ column }} is not null)
    {%- endset -%}
    select
        '{{ model.identifier }}' as model_name,
        '{{ column }}' as column_name,
        value,
        case
            {%- if single %}
            when {{ dbt.position("','", 'value') }} > 0 then 'one {{ family }} code expected'
            {%- endif %}
            when covered <> {{ dbt.length('value') }} + 1
                then 'not a list of distinct {{ family }} codes of dcw_codes'
            else 'not in the rule_order of dcw_codes'
        end as problem
    from (
        select
            v.value,
            sum(case when f.code is null then 0 else {{ dbt.length('f.code') }} + 1 end) as covered,
            max(case when f.previous_order > f.rule_order then 1 else 0 end) as out_of_order
        from {{ values }} as v
        left join (
            select
                v.value,
                k.code,
                k.rule_order,
                -- the rule_order of the code found just before this one in the value
                lag(k.rule_order) over (partition by v.value order by {{ found_at }}) as previous_order
            from {{ values }} as v
            inner join {{ ref('dcw_codes') }} as k
                on k.family = '{{ family }}' and {{ found_at }} > 0
        ) as f
            on f.value = v.value
        group by v.value
    ) as checked
    where covered <> {{ dbt.length('value') }} + 1 or out_of_order = 1
        {%- if single %} or {{ dbt.position("','", 'value') }} > 0{% endif %}
{%- endmacro %}

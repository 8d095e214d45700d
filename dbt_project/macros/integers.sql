{#- The integers 0 .. 10^digits - 1 as column `n`. -#}
{% macro integers(digits) -%}
    {{ return(adapter.dispatch('integers', 'dcw')(digits)) }}
{%- endmacro %}

{#- By cross-joining digit lists: plain SQL that every adapter runs (no generate_series, no
    recursive CTE). -#}
{% macro default__integers(digits) -%}
    select
        {% for i in range(digits) -%}
        d{{ i }}.n * {{ 10 ** i }}{{ " + " if not loop.last }}
        {%- endfor %} as n
    from
        {% for i in range(digits) -%}
        (
            {% for v in range(10) -%}
            select {{ v }} as n{{ " union all " if not loop.last }}
            {%- endfor %}
        ) as d{{ i }}{{ " cross join " if not loop.last }}
        {% endfor %}
{%- endmacro %}

{#- Spark plans each one-row select of a union as its own partition and a cross join as the
    product of the partitions (10^digits tasks): its range() is one small scan instead. -#}
{% macro spark__integers(digits) -%}
    select cast(id as int) as n from range({{ 10 ** digits }})
{%- endmacro %}

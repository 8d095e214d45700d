{#- The integers 0 .. 10^digits - 1 as column `n`, by cross-joining digit lists: plain SQL
    that every adapter runs (no generate_series, no recursive CTE). -#}
{% macro integers(digits) -%}
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

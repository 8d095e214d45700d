{#- Schemas are named exactly as configured (`marts`, `staging`, `intermediate`), not
    `<target schema>_<custom schema>`: analysts query `marts.fct_...` whatever the target. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}

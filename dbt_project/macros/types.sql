{#- Types the cross-database macros of dbt do not cover with the precision we need.
    dbt.type_float() is FLOAT4 on DuckDB, too coarse for ratios; `double` and `decimal(p,s)`
    are spelled the same on DuckDB and Spark. -#}

{% macro type_ratio() -%}
    {{ return(adapter.dispatch('type_ratio', 'dcw')()) }}
{%- endmacro %}
{% macro default__type_ratio() -%}double{%- endmacro %}

{#- Money to the cent (amounts that docs/marts.md rounds to 2 places). -#}
{% macro type_money() -%}
    {{ return(adapter.dispatch('type_money', 'dcw')()) }}
{%- endmacro %}
{% macro default__type_money() -%}decimal(18,2){%- endmacro %}

{#- Quantities and prices as the raw layer holds them (DECIMAL(18,4)). -#}
{% macro type_qty() -%}
    {{ return(adapter.dispatch('type_qty', 'dcw')()) }}
{%- endmacro %}
{% macro default__type_qty() -%}decimal(18,4){%- endmacro %}

{#- `expr` rounded to `places` decimals, half away from zero, as a decimal. round() of a
    double disagrees between engines at ties: DuckDB rounds the binary value
    (round(0.285, 2) = 0.28, 0.285 being stored as 0.28499...), Spark its shortest decimal
    text (0.29). Rounding the decimal(38, 6) value gives the same on both; scale 6 also keeps
    Spark's text of the result plain (a scale over 6 can print as 0E-9). -#}
{% macro round_decimal(expr, places) -%}
    round(cast({{ expr }} as decimal(38, 6)), {{ places }})
{%- endmacro %}

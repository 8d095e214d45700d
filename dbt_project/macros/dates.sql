{#- Date helpers built on dbt's cross-database macros, so that models read the same on
    DuckDB and Spark. -#}

{#- First day of the month of a date or timestamp, as a DATE. -#}
{% macro month_start(expr) -%}
    cast({{ dbt.date_trunc('month', expr) }} as date)
{%- endmacro %}

{#- A date shifted by n units, as a DATE (DuckDB's date + interval is a TIMESTAMP). -#}
{% macro add_days(expr, n) -%}
    cast({{ dbt.dateadd('day', n, expr) }} as date)
{%- endmacro %}
{% macro add_months(expr, n) -%}
    cast({{ dbt.dateadd('month', n, expr) }} as date)
{%- endmacro %}

{#- The first day of the last complete month before the business date (as_of_date). -#}
{% macro last_complete_month() -%}
    {{ add_months(month_start(as_of_date()), -1) }}
{%- endmacro %}

{#- Number of days in the month that starts on `month_expr`. -#}
{% macro days_in_month(month_expr) -%}
    {{ dbt.datediff(month_expr, add_months(month_expr, 1), 'day') }}
{%- endmacro %}

{#- A dated fact (price, territory) applies on date d when valid_from <= d and
    (valid_to is empty or d <= valid_to). -#}
{% macro in_force(valid_from, valid_to, d) -%}
    ({{ valid_from }} <= {{ d }} and ({{ valid_to }} is null or {{ d }} <= {{ valid_to }}))
{%- endmacro %}

{#- The business date of the run as a DATE: dbt var `as_of` (YYYY-MM-DD) if given, else the
    environment's DCW_AS_OF (what pipelines/dbt.py sets), else today. Due dates ("not yet
    due" vs "missing") are judged against it, so a rebuild of an old warehouse can be pinned
    to the day it describes. The date changes every night, so no parse may depend on it: a
    changed --vars makes dbt parse the whole project again, and an environment variable read
    while parsing re-parses every file that read it (dbt_project/README.md, "What a night
    builds"). The variable is therefore read only when the SQL is compiled for a run
    (`execute`); what parsing renders (refs, sources, config) never needs the date. -#}
{% macro as_of_date() -%}
    {%- if not execute -%}
        {{ return("cast(null as date)") }}
    {%- endif -%}
    {%- set as_of = var('as_of', env_var('DCW_AS_OF', '')) -%}
    {%- if as_of is none or as_of == '' -%}
        cast({{ dbt.current_timestamp() }} as date)
    {%- elif modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', as_of | string) -%}
        cast('{{ as_of }}' as date)
    {%- else -%}
        {{ exceptions.raise_compiler_error("the business date (dbt var as_of, or DCW_AS_OF) must be YYYY-MM-DD, got '" ~ as_of ~ "'") }}
    {%- endif -%}
{%- endmacro %}

{#- Text helpers. Each is dispatched where DuckDB and Spark spell it differently. -#}

{#- A decimal as short text for evidence sentences: 5.0000 -> 5, 12.5000 -> 12.5. -#}
{% macro number_text(expr) -%}
    {{ return(adapter.dispatch('number_text', 'dcw')(expr)) }}
{%- endmacro %}
{% macro default__number_text(expr) -%}
    rtrim(rtrim(cast({{ expr }} as {{ dbt.type_string() }}), '0'), '.')
{%- endmacro %}
{% macro spark__number_text(expr) -%}
    trim(trailing '.' from trim(trailing '0' from cast({{ expr }} as string)))
{%- endmacro %}

{#- A customer phone number masked for display: first 3 and last 4 characters kept
    (138****5678); anything shorter than 11 characters is masked whole. -#}
{% macro mask_phone(expr) -%}
    case
        when {{ expr }} is null then null
        when {{ dbt.length(expr) }} >= 11 then {{ dbt.concat([
            "substr(" ~ expr ~ ", 1, 3)",
            "'****'",
            "substr(" ~ expr ~ ", " ~ dbt.length(expr) ~ " - 3, 4)"
        ]) }}
        else '****'
    end
{%- endmacro %}

{#- The JSON object text of a quarantined row's raw values with the value of
    `customer_phone` masked (see mask_phone). The value is located with a regular
    expression (group 1: the key up to the opening quote, group 2: the value) and replaced
    as plain text, so no JSON functions (which differ by adapter) are needed. -#}
{% macro mask_phone_in_json(expr) -%}
    {%- set prefix = phone_in_json(expr, 1) -%}
    {%- set value = phone_in_json(expr, 2) -%}
    case
        when coalesce({{ phone_in_json(expr, 0) }}, '') = '' then {{ expr }}
        else replace(
            {{ expr }},
            {{ phone_in_json(expr, 0) }},
            {{ dbt.concat([prefix, mask_phone(value), "'\"'"]) }}
        )
    end
{%- endmacro %}

{#- Group `group` of the match of "customer_phone": "<value>" in JSON text ('' if none). -#}
{% macro phone_in_json(expr, group) -%}
    {{ return(adapter.dispatch('phone_in_json', 'dcw')(expr, group)) }}
{%- endmacro %}
{% macro default__phone_in_json(expr, group) -%}
    regexp_extract({{ expr }}, '("customer_phone"\s*:\s*")((?:[^"\\]|\\.)*)"', {{ group }})
{%- endmacro %}
{% macro spark__phone_in_json(expr, group) -%}
    {#- Spark string literals treat the backslash as an escape: each one is doubled. -#}
    regexp_extract({{ expr }}, '("customer_phone"\\s*:\\s*")((?:[^"\\\\]|\\\\.)*)"', {{ group }})
{%- endmacro %}

{#- True when JSON text holds a customer_phone value that is not masked. -#}
{% macro phone_in_clear(expr) -%}
    (coalesce({{ phone_in_json(expr, 2) }}, '') not in ('', '****')
     and {{ phone_in_json(expr, 2) }} not like '%****%')
{%- endmacro %}

{#- The values of `expr` in a group (NULLs skipped), sorted, joined by `delimiter` (a plain
    string). dbt.listagg's order by is ignored on Spark (collect_list keeps no order), so
    Spark sorts the collected array instead; both compare strings by code point. -#}
{% macro sorted_listagg(expr, delimiter) -%}
    {{ return(adapter.dispatch('sorted_listagg', 'dcw')(expr, delimiter)) }}
{%- endmacro %}
{% macro default__sorted_listagg(expr, delimiter) -%}
    {{ dbt.listagg(expr, "'" ~ delimiter ~ "'", 'order by ' ~ expr) }}
{%- endmacro %}
{% macro spark__sorted_listagg(expr, delimiter) -%}
    array_join(array_sort(collect_list({{ expr }})), '{{ delimiter }}')
{%- endmacro %}

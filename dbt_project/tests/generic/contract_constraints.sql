{#- The not_null, unique, primary_key and check constraints of the model's contract, checked as a
    data test. DuckDB enforces them itself (the table refuses a null, a second key or a row
    whose check is false), so
    there the test is switched off (unless the var check_contract_constraints is true, as for
    its own test); dbt-spark declares them but enforces none, and there this test holds them.
    Each mart lists it once (dbt_project/README.md, "Contracts and tests"). A dbt Python model
    has no contract that any engine enforces: it lists the test with `python_model: true`,
    checked on every target, one node for all its keys, required columns and row rules.
    One row per constraint broken (a check named by its expression), with the number of null
    rows, duplicated keys or rows breaking the check. -#}
{% test contract_constraints(model, python_model=false) %}
{{ config(enabled=(python_model or target.type != 'duckdb' or var('check_contract_constraints', false))) }}
{%- set found = [] -%}
{%- if execute -%}
    {%- set node = graph.nodes.values()
        | selectattr('resource_type', 'equalto', 'model')
        | selectattr('schema', 'equalto', model.schema)
        | selectattr('alias', 'equalto', model.identifier)
        | first -%}
    {%- for column in node.columns.values() -%}
        {%- for c in column.constraints -%}
            {%- if c.type in ('not_null', 'primary_key') %}{% do found.append(('not_null', [column.name])) %}{% endif -%}
            {%- if c.type in ('unique', 'primary_key') %}{% do found.append(('unique', [column.name])) %}{% endif -%}
            {%- if c.type == 'check' %}{% do found.append(('check', [c.expression])) %}{% endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for c in node.constraints -%}
        {%- if c.type == 'primary_key' -%}
            {%- for name in c.columns %}{% do found.append(('not_null', [name])) %}{% endfor -%}
        {%- endif -%}
        {%- if c.type in ('unique', 'primary_key') %}{% do found.append(('unique', c.columns)) %}{% endif -%}
        {%- if c.type == 'check' %}{% do found.append(('check', [c.expression])) %}{% endif -%}
    {%- endfor -%}
{%- endif -%}
{%- set checks = [] -%}
{%- for check in found if check not in checks %}{% do checks.append(check) %}{% endfor -%}
{%- for kind, columns in checks %}
select '{{ kind }} ({{ columns | join(", ") | replace("'", "''") }})' as broken_constraint, count(*) as failing
{%- if kind == 'not_null' %}
from {{ model }}
where {{ columns[0] }} is null
{%- elif kind == 'check' %}
from {{ model }}
where not ({{ columns[0] }})
{%- else %}
from (
    select {{ columns | join(', ') }}
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
) as duplicated_keys
{%- endif %}
having count(*) > 0
union all
{%- endfor %}
select 'none' as broken_constraint, 0 as failing
where 1 = 0
{% endtest %}

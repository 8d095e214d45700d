{#- Make the raw Parquet folders readable as source('raw', <table>) on targets that cannot
    read files through a source's external_location (dbt-duckdb can: see _sources.yml).
    Called from on-run-start (dbt_project.yml). -#}
{% macro register_raw_sources() -%}
    {{ return(adapter.dispatch('register_raw_sources', 'dcw')()) }}
{%- endmacro %}

{% macro default__register_raw_sources() -%}
    {{ return('') }}
{%- endmacro %}

{#- Spark: an external (unmanaged) table raw.<table> over $DCW_RAW/<table>, dropped and
    declared again on every run so that its schema and file list follow the folder; dropping
    an external table leaves its files alone. mergeSchema: batches written before an
    optional column existed still read. A cluster whose catalog already declares the raw
    tables turns this off with --vars '{register_raw_sources: false}'. -#}
{% macro spark__register_raw_sources() -%}
    {%- if execute and var('register_raw_sources', true) -%}
        {%- set root = env_var('DCW_RAW', 'data/warehouse_raw') -%}
        {%- for node in graph.sources.values() if node.source_name == 'raw' -%}
            {%- if loop.first -%}
                {%- do run_query('create database if not exists ' ~ node.schema) -%}
            {%- endif -%}
            {%- set relation = node.schema ~ '.' ~ node.identifier -%}
            {%- do run_query('drop table if exists ' ~ relation) -%}
            {%- do run_query(
                "create table " ~ relation ~ " using parquet"
                ~ " options (mergeSchema 'true')"
                ~ " location '" ~ root ~ "/" ~ node.name ~ "'"
            ) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}

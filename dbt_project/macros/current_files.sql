{#- The files whose rows are current, per the superseding rules of docs/input_contract.md: of the files
    of `kind` with status accepted / partially_accepted (rejected and duplicate files load
    nothing; superseded ones are history), the newest by (submitted_at, source_file) within
    each group of `partition_by` (none: one newest file of the kind, for ERP snapshots).
    The ingestion already marks older versions 'superseded'; ranking again here keeps the
    marts right even if two versions were ever left accepted. `batch_id` is the batch that
    committed the file: its rows are those of that batch only. -#}
{% macro current_files(kind, partition_by=[]) -%}
    select source_file, batch_id, dealer_id, period_start, submitted_at
    from (
        select
            source_file,
            batch_id,
            dealer_id,
            period_start,
            submitted_at,
            row_number() over (
                {% if partition_by %}partition by {{ partition_by | join(', ') }}{% endif %}
                order by submitted_at desc, source_file desc
            ) as recency
        from {{ source('raw', 'submissions') }}
        where kind = '{{ kind }}'
          and status in ('accepted', 'partially_accepted')
    ) as ranked
    where recency = 1
{%- endmacro %}

{#- The rows of `kind` that come from its current files (see current_files). -#}
{% macro current_rows(kind, partition_by=[]) -%}
    select r.*, f.dealer_id as file_dealer_id, f.period_start as file_period_start
    from {{ source('raw', kind) }} as r
    inner join ({{ current_files(kind, partition_by) }}) as f
        on {{ committed('r', 'f') }}
{%- endmacro %}

{#- Deltas superseded per key (shipments per (shipment_id, line_no), claims per (dealer,
    claim_id)): for each key the row of the newest (submitted_at, source_file) accepted or
    partially accepted file; within one file the last row wins. Adds the file's dealer as
    `file_dealer_id`; per_dealer puts it in the key.
    The newest row is found by a grouped max of (submitted_at, source_file, source_row) joined
    back, not by ranking every row in a window: a window sorts the whole history and, at tens
    of millions of rows under the memory bound, spills slowly, where the aggregate and the
    join spill well (dbt_project/README.md, "Staging"). -#}
{% macro newest_rows_per_key(kind, keys, per_dealer=false) -%}
{%- set key_columns = (['file_dealer_id'] if per_dealer else []) + keys -%}
{%- set recency = ['submitted_at', 'source_file', 'source_row'] -%}
{%- set committed_rows -%}
        select r.*, f.dealer_id as file_dealer_id
        from {{ source('raw', kind) }} as r
        inner join {{ source('raw', 'submissions') }} as f
            on {{ committed('r', 'f') }}
           and f.status in ('accepted', 'partially_accepted')
{%- endset %}
    select c.*
    from ({{ committed_rows }}) as c
    inner join (
        select {{ key_columns | join(', ') }}, max({{ ordering_tuple(recency) }}) as newest
        from ({{ committed_rows }}) as k
        group by {{ key_columns | join(', ') }}
    ) as n
        on {% for key in key_columns %}c.{{ key }} is not distinct from n.{{ key }}
       and {% endfor %}{{ ordering_tuple(recency, 'c') }} = n.newest
{%- endmacro %}

{#- The columns `columns` (of alias `alias`, if given) as one value that compares column by
    column, left first: a row on DuckDB, a struct on Spark. -#}
{% macro ordering_tuple(columns, alias=none) -%}
{%- set qualified = [] -%}
{%- for column in columns %}{% do qualified.append((alias ~ '.' if alias else '') ~ column) %}{% endfor -%}
{{ 'struct' if target.type == 'spark' else 'row' }}({{ qualified | join(', ') }})
{%- endmacro %}

{#- The join condition that keeps a raw row (alias `row`) only if the submission log (alias
    `log`) holds its file with the same batch: rows a killed batch left behind in the
    Parquet folders match no log entry. -#}
{% macro committed(row, log) -%}
    {{ row }}.source_file = {{ log }}.source_file and {{ row }}.batch_id = {{ log }}.batch_id
{%- endmacro %}

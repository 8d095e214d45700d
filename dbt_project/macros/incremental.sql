{#- Incremental line-level models (dbt_project/README.md, "Incremental models").

    A night rebuilds only the keys its files touched: the (dealer, period) of every file of
    `keyed_kinds` in a batch the model has not seen yet (a resubmission replaces the month
    whole, also when its new version has fewer or no rows). The model's rows are deleted and
    re-selected by `source_file`: every file ever logged for a touched (dealer, period), so
    the lines of a superseded version go and those of the current one come back.

    Bookkeeping, in the warehouse's meta schema, per model:
    - meta.dbt_increments: the batches of the submission log the model has seen, the checksum
      of its SQL, when it was last built and when last built whole. It is written by the
      model's post-hook, in the model's transaction: a failed build leaves it, so the next
      build redoes the same keys.
    - meta.dbt_scope: what this build selects (one marker row saying whether it is whole, then
      the touched files), written by the pre-hook, read by the model's select.

    The model is rebuilt whole (every row deleted and selected again) when it was never built
    with this bookkeeping, its SQL changed, a batch it saw left the log (another raw layer), an
    accepted file of a `reaching_kinds` kind arrived (an ERP snapshot that old rows depend on;
    a rejected or duplicate one changes nothing), an
    `upstream` incremental model was rebuilt whole since, or `full_if` (a SQL condition) holds.
    A model whose rows depend on other rows than its touched files' (int_diversion_flags) gives
    `widen`, statements run once the touched files are known, and `rows`, the condition (on the
    model's row `l`) of the rows to delete and select again (default: those of the touched
    files, in_scope()).
    A backfill of a month range (DCW_MONTHS, backfill_months()) selects the files of those
    months instead, whatever else changed, and deletes those files' rows (`backfill_rows`, a
    condition on `l`, for a model whose rows are not its files').
    dbt's --full-refresh builds it as a table again. On Spark these models are tables
    (materialized by incremental_materialization()) and the macros below render nothing. -#}

{% macro incremental_materialization() -%}
    {{ return('table' if target.type == 'spark' else 'incremental') }}
{%- endmacro %}

{% macro _increments_tables() -%}
    create schema if not exists meta;
    create table if not exists meta.dbt_increments (
        model varchar, batch_id varchar, checksum varchar, built_at timestamp, full_at timestamp);
    create table if not exists meta.dbt_scope (model varchar, whole boolean, source_file varchar);
    create table if not exists meta.dcw_scope_dealers (model varchar, dealer_id varchar);
    create table if not exists meta.dcw_scope_months (model varchar, month_from date);
{%- endmacro %}

{#- The pre-hook: decides what this build selects and deletes it from the model. -#}
{% macro incremental_scope(keyed_kinds, reaching_kinds=[], upstream=[], full_if=none, widen=none, rows=none, backfill_rows=none) -%}
{%- if target.type != 'spark' -%}
{%- set name = this.identifier -%}
{%- set log = source('raw', 'submissions') -%}
{{ _increments_tables() }}
delete from meta.dbt_scope where model = '{{ name }}';
{% if is_incremental() and backfill_months() -%}
{{ backfill_scope(name, keyed_kinds) }}
{{ widen or '' }}
delete from {{ this }} as l where {{ backfill_rows or rows or in_scope() }};
{% elif is_incremental() -%}
insert into meta.dbt_scope
with seen as (
    select batch_id, checksum, built_at from meta.dbt_increments where model = '{{ name }}'
),
fresh as (
    select * from {{ log }}
    where batch_id is not null and batch_id not in (select batch_id from seen where batch_id is not null)
)
select '{{ name }}', (
       not exists (select 1 from seen)
    or exists (select 1 from seen where checksum <> '{{ model.checksum.checksum }}')
    or exists (select 1 from seen where batch_id is not null
                and batch_id not in (select batch_id from {{ log }} where batch_id is not null))
    {%- if reaching_kinds %}
    or exists (select 1 from fresh where kind in ('{{ reaching_kinds | join("', '") }}')
                                     and status in ('accepted', 'partially_accepted'))
    {%- endif %}
    {%- for up in upstream %}
    or exists (select 1 from meta.dbt_increments
               where model = '{{ up }}' and full_at > (select max(built_at) from seen))
    {%- endfor %}
    {%- if full_if %}
    or ({{ full_if }})
    {%- endif %}
    ), null
union all
select distinct '{{ name }}', false, s.source_file
from {{ log }} as s
inner join (select distinct kind, dealer_id, period_start from fresh
            where kind in ('{{ keyed_kinds | join("', '") }}')) as t
    on t.kind = s.kind and t.dealer_id = s.dealer_id and t.period_start = s.period_start;
{{ widen or '' }}
delete from {{ this }} as l where {{ rows or in_scope() }};
{%- else -%}
insert into meta.dbt_scope values ('{{ name }}', true, null);
{%- endif %}
{%- endif -%}
{%- endmacro %}

{#- The condition that keeps a row (its `source_file` column) of what the last build of model
    `model_name` selected: every row after a first or whole build. The model's select reads
    it (in_scope) and so do its data tests (`where: __night_rows__`, get_where_subquery), so a
    night checks the rows it wrote. DCW_FULL_CHECKS=1, and the Spark target (no bookkeeping
    there), keep every row. -#}
{% macro night_rows(model_name, column='source_file') -%}
{%- if target.type == 'spark' or env_var('DCW_FULL_CHECKS', '') not in ('', '0') -%}
    (1 = 1)
{%- else -%}
    (coalesce((select bool_or(whole) from meta.dbt_scope where model = '{{ model_name }}'), true)
     or {{ column }} in (select source_file from meta.dbt_scope
                         where model = '{{ model_name }}' and source_file is not null))
{%- endif -%}
{%- endmacro %}

{% macro in_scope(column='source_file') -%}
    {{ night_rows(this.identifier, column) }}
{%- endmacro %}

{#- `where <in_scope>` on an incremental build, nothing otherwise: for the model's select. -#}
{% macro where_in_scope(column='source_file') -%}
{%- if is_incremental() %}where {{ in_scope(column) }}{% endif -%}
{%- endmacro %}

{#- The post-hook: the batches this build has seen, and whether it was whole. An intraday build
    (DCW_INTRADAY=1, pipelines/dbt.py) records nothing: the night rebuilds and checks its keys.
    Nor does a backfill of months: it saw no batch whole, and the next night selects what it
    would have selected without it. -#}
{% macro incremental_done() -%}
{%- if target.type != 'spark' and env_var('DCW_INTRADAY', '') in ('', '0') and not backfill_months() -%}
{%- set name = this.identifier -%}
{%- set log = source('raw', 'submissions') -%}
create or replace temp table dcw_previous_full_{{ name }} as
    select max(full_at) as full_at from meta.dbt_increments where model = '{{ name }}';
delete from meta.dbt_increments where model = '{{ name }}';
insert into meta.dbt_increments
select distinct '{{ name }}', l.batch_id, '{{ model.checksum.checksum }}', now()::timestamp,
    case when (select bool_or(whole) from meta.dbt_scope where model = '{{ name }}')
         then now()::timestamp else (select full_at from dcw_previous_full_{{ name }}) end
from (select distinct batch_id from {{ log }} union all select null) as l;
drop table dcw_previous_full_{{ name }};
{%- endif -%}
{%- endmacro %}

{#- The customer resolution's key of an old line's (name, city) spelling changed (a full
    resolution, docs/customers.md): every line that carries the key is rebuilt. -#}
{% macro customer_keys_changed() -%}
    exists (
        select 1
        from (select distinct customer_name, customer_city_code, customer_key from {{ this }}) as l
        left join {{ source('raw', 'customer_records') }} as c
            on c.customer_name = l.customer_name
           and c.customer_city_code = l.customer_city_code
        where c.customer_key is distinct from l.customer_key
    )
{%- endmacro %}

{#- dbt's `where` of a data test, with the placeholder __night_rows__ replaced by night_rows()
    of the model tested: rendered when the test runs, after the model was built. -#}
{% macro get_where_subquery(relation) -%}
    {%- set where = config.get('where') -%}
    {%- if where -%}
        {%- set where = where | replace('__night_rows__', night_rows(relation.identifier))
                              | replace('__night_dealers__', night_dealers(relation.identifier))
                              | replace('__night_months__', 'month >= ' ~ night_first_month(relation.identifier)) -%}
        {%- set filtered -%}
            (select * from {{ relation }} where {{ where }}) dbt_subquery
        {%- endset -%}
        {{ return(filtered) }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}

{#- int_diversion_flags' night (dbt_project/README.md, Incremental models): besides the lines
    of the touched files, the lines whose flags those files or the night's shipments can move.
    DOUBLE_REPORTED compares a line with other dealers' lines of the same sale key (customer,
    sku, date, qty): the keys of the touched files' new lines and of their old DOUBLE_REPORTED
    flags (a removed line that was in a group flagged every line of it). FOREIGN_BATCH and
    UNKNOWN_BATCH read every dealer's receipts of the line's (sku, batch): the batches of every
    version of each shipment line a new shipments file sent (a delta replaces by key, so the
    old version's batch moves too). The keys go to meta.dcw_diversion_keys, nothing on a whole
    build. -#}
{% macro diversion_keys() -%}
{%- set name = this.identifier -%}
{%- set log = source('raw', 'submissions') -%}
create or replace table meta.dcw_diversion_keys as
with touched as (
    select source_file from meta.dbt_scope
    where model = '{{ name }}' and source_file is not null and not {{ scope_is_whole() }}
),
sent as (
    {{ shipment_rows_sent() }}
)
select distinct 'double' as kind, customer_key, sku, sale_date, qty, cast(null as varchar) as batch_no
from (
    select customer_key, sku, sale_date, qty from {{ this }}
    where rule = 'DOUBLE_REPORTED' and source_file in (select source_file from touched)
    union all
    select customer_key, sku, sale_date, qty from {{ ref('int_sales_lines') }}
    where source_file in (select source_file from touched)
) as k
where customer_key is not null
union all
select distinct 'batch', null, sku, null, null, nullif(batch_no, '')
from sent
where nullif(batch_no, '') is not null;
{%- endmacro %}

{#- Whether this build of the model is whole (meta.dbt_scope's marker), as SQL. -#}
{% macro scope_is_whole() -%}
    coalesce((select bool_or(whole) from meta.dbt_scope where model = '{{ this.identifier }}'), true)
{%- endmacro %}

{#- The raw rows, every version, of each shipment line (shipment_id, line_no) that a
    shipments file in a batch the model has not seen sent (a delta replaces by key: the old
    version's dealer and batch move too). None on a whole build. -#}
{% macro shipment_rows_sent() -%}
    {%- set log = source('raw', 'submissions') -%}
    select * from {{ source('raw', 'shipments') }}
    where (shipment_id, line_no) in (
        select r.shipment_id, r.line_no
        from {{ source('raw', 'shipments') }} as r
        inner join {{ log }} as s
            on {{ committed('r', 's') }}
        where s.kind = 'shipments' and s.status in ('accepted', 'partially_accepted')
          and s.batch_id not in (select batch_id from meta.dbt_increments
                                 where model = '{{ this.identifier }}' and batch_id is not null))
      and not {{ scope_is_whole() }}
      {%- if backfill_months() %} and false{% endif %}
{%- endmacro %}

{#- The dealers of the files a night touched for the model being built (meta.dbt_scope): the
    first step of scope_dealers and scope_customers. -#}
{% macro touched_dealers() -%}
    select distinct s.dealer_id
    from meta.dbt_scope as d
    inner join {{ source('raw', 'submissions') }} as s
        on s.source_file = d.source_file
    where d.model = '{{ this.identifier }}'
{%- endmacro %}

{#- A model keyed by dealer (fct_sell_through_monthly: each month opens with the previous
    one's closing, so a touched month moves every later month of the dealer's pairs): the
    dealers of the touched files and, unless `shipments` is false (a model of sales lines
    alone), of the shipment lines the night's shipments files sent, into
    meta.dcw_scope_dealers. -#}
{% macro scope_dealers(shipments=true) -%}
{%- set name = this.identifier -%}
delete from meta.dcw_scope_dealers where model = '{{ name }}';
insert into meta.dcw_scope_dealers
select distinct '{{ name }}', dealer_id
from (
    {{ touched_dealers() }}
    {%- if shipments %}
    union all
    select dealer_id from ({{ shipment_rows_sent() }}) as r
    {%- endif %}
) as t
where dealer_id is not null and not {{ scope_is_whole() }};
{%- endmacro %}

{#- The rows (alias `l`, a `dealer_id` column) of a model keyed by dealer that a night
    deletes and selects again: every row on a whole build. -#}
{% macro dealer_rows(l) -%}
    {{ night_dealers(this.identifier, l ~ '.dealer_id') }}
{%- endmacro %}

{#- As night_rows, for a model keyed by dealer (scope_dealers): the rows of the dealers its
    last build selected (`where: __night_dealers__` in a data test's config). -#}
{% macro night_dealers(model_name, column='dealer_id') -%}
    {{ night_keys(model_name, column, 'dcw_scope_dealers', 'dealer_id') }}
{%- endmacro %}

{#- As night_rows, for a model keyed by `key` (scope_dealers, scope_customers): the rows whose
    `column` is among the keys its last build selected (meta.`table`). -#}
{% macro night_keys(model_name, column, table, key) -%}
{%- if target.type == 'spark' or env_var('DCW_FULL_CHECKS', '') not in ('', '0') or backfill_months() -%}
    (1 = 1)
{%- else -%}
    (coalesce((select bool_or(whole) from meta.dbt_scope where model = '{{ model_name }}'), true)
     or {{ column }} in (select {{ key }} from meta.{{ table }} where model = '{{ model_name }}'))
{%- endif -%}
{%- endmacro %}

{#- The lines (alias `l`, with the columns of int_diversion_flags) that a night of
    int_diversion_flags deletes and flags again: every line on a whole build. -#}
{% macro diversion_rows(l) -%}
    ({{ in_scope(l ~ '.source_file') }}
     or ({{ l }}.customer_key, {{ l }}.sku, {{ l }}.sale_date, {{ l }}.qty) in (
        select customer_key, sku, sale_date, qty from meta.dcw_diversion_keys where kind = 'double')
     or ({{ l }}.sku, {{ l }}.batch_no) in (
        select sku, batch_no from meta.dcw_diversion_keys where kind = 'batch'))
{%- endmacro %}

{#- fct_sell_through_monthly's months run to the last month of the data for every pair: when
    that month moves, every pair gains or loses a month. -#}
{% macro last_month_moved() -%}
    (select max(month) from {{ ref('int_months') }}) is distinct from (select max(month) from {{ this }})
{%- endmacro %}

{#- A model keyed by customer (dim_customer: each row sums every line of its customer, of any
    dealer): the customers of the touched files' current lines, and every customer the model
    held with a dealer of the touched files (a line a new version dropped is gone from
    int_sales_lines, its customer still names the dealer here), into meta.dcw_scope_customers.
    None on a whole build. -#}
{% macro scope_customers() -%}
{%- set name = this.identifier -%}
create table if not exists meta.dcw_scope_customers (model varchar, customer_key varchar);
delete from meta.dcw_scope_customers where model = '{{ name }}';
insert into meta.dcw_scope_customers
with touched as (
    select source_file from meta.dbt_scope where model = '{{ name }}' and source_file is not null
),
dealers as (
    {{ touched_dealers() }}
)
select distinct '{{ name }}', customer_key
from (
    select customer_key from {{ ref('int_sales_lines') }}
    where source_file in (select source_file from touched)
    union all
    select c.customer_key
    from {{ this }} as c
    inner join dealers as d
        on list_contains(string_split(c.dealer_ids, ','), d.dealer_id)
) as k
where customer_key is not null and not {{ scope_is_whole() }};
{%- endmacro %}

{#- The rows (alias `l`, a `customer_key` column) of a model keyed by customer that a night
    deletes and selects again: every row on a whole build. -#}
{% macro customer_rows(l) -%}
    {{ night_keys(this.identifier, l ~ '.customer_key', 'dcw_scope_customers', 'customer_key') }}
{%- endmacro %}

{#- The dealers a customer's rows came from (`dealer_ids`, a sorted list) per group of
    `columns` of `relation`'s lines (a `dealer_id` column): what scope_customers reads to find
    a customer whose lines a new version of a dealer's file dropped. -#}
{% macro customer_dealer_ids(relation, columns) -%}
    {%- set by = columns | join(', ') -%}
    select {{ by }}, {{ sorted_listagg('dealer_id', ',') }} as dealer_ids
    from (select distinct {{ by }}, dealer_id from {{ relation }}) as d
    group by {{ by }}
{%- endmacro %}

{#- Models that are functions of a few small inputs (int_months, int_shipments_monthly,
    dim_date: a month axis, a calendar, the sell-in per month) but read whole tables to find
    them: `signature`, a SQL expression of those inputs far cheaper than the model (the files
    of the kinds it reads, a few bounds). The model is built again, whole, only when the
    signature differs from its last build's, its SQL changed or on --full-refresh; otherwise
    it selects no row and keeps its table (dbt_project/README.md, "Incremental models").
    dbt compiles a model once its parents are built, so the compiled select, the pre-hook and
    the post-hook see the same inputs. The last build's signature is in meta.dcw_inputs,
    written by the post-hook, also by an intraday build (the table is a function of the
    signature alone). On Spark these are tables and the macros render nothing. -#}
{% macro inputs_unchanged(signature) -%}
    {%- if not execute or target.type == 'spark' or not is_incremental() or flags.FULL_REFRESH -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set sql -%}
        create schema if not exists meta;
        create table if not exists meta.dcw_inputs (model varchar, checksum varchar, signature varchar);
        select coalesce((select signature from meta.dcw_inputs
                         where model = '{{ this.identifier }}' and checksum = '{{ model.checksum.checksum }}')
                        = ({{ signature }}), false)
    {%- endset -%}
    {{ return(run_query(sql).columns[0].values()[0]) }}
{%- endmacro %}

{#- The pre-hook: the whole table deleted when the model is built again. -#}
{% macro inputs_scope(signature) -%}
    {%- if target.type != 'spark' and is_incremental() and not inputs_unchanged(signature) -%}
        delete from {{ this }};
    {%- endif -%}
{%- endmacro %}

{#- The post-hook: the signature of this build's inputs. -#}
{% macro inputs_done(signature) -%}
    {%- if target.type != 'spark' -%}
        create schema if not exists meta;
        create table if not exists meta.dcw_inputs (model varchar, checksum varchar, signature varchar);
        delete from meta.dcw_inputs where model = '{{ this.identifier }}';
        insert into meta.dcw_inputs values ('{{ this.identifier }}', '{{ model.checksum.checksum }}', ({{ signature }}));
    {%- endif -%}
{%- endmacro %}

{#- A signature of the accepted files of `kinds` in the submission log (each version, batch
    and status): the content of their current rows is a function of it. -#}
{% macro files_signature(kinds) -%}
    (select md5(coalesce(string_agg(concat_ws('|', source_file, batch_id, status, superseded_by), ','
                                    order by source_file, batch_id), ''))
     from {{ source('raw', 'submissions') }}
     where kind in ('{{ kinds | join("', '") }}'))
{%- endmacro %}

{#- The first and last month of the current accepted sales lines, as text. -#}
{% macro sales_months_signature() -%}
    (select concat_ws('|', {{ month_start('min(sale_date)') }}, {{ month_start('max(sale_date)') }})
     from {{ ref('int_sales_lines') }})
{%- endmacro %}

{#- The inputs of int_months: the opening inventory and shipments files, the sales months. -#}
{% macro months_inputs() -%}
    concat_ws('|', {{ files_signature(['opening_inventory', 'shipments']) }}, {{ sales_months_signature() }})
{%- endmacro %}

{#- The inputs of int_shipments_monthly: the shipments files, the month axis. -#}
{% macro shipments_monthly_inputs() -%}
    concat_ws('|', {{ files_signature(['shipments']) }},
              (select concat_ws('|', min(month), max(month)) from {{ ref('int_months') }}))
{%- endmacro %}

{#- The inputs of dim_date: the opening inventory, shipments and campaigns files, the months
    of the sales lines and of the submissions that count (as dim_date filters them). -#}
{% macro calendar_inputs() -%}
    concat_ws('|', {{ files_signature(['opening_inventory', 'shipments', 'campaigns']) }}, {{ sales_months_signature() }},
              (select concat_ws('|', {{ month_start('min(cast(submitted_at as date))') }},
                                     {{ month_start('max(cast(submitted_at as date))') }})
               from {{ ref('stg_submissions') }}
               where coalesce(reason_code, '') <> 'BAD_SUBMISSION_TIME'))
{%- endmacro %}

{#- A backfill of a month range: the Dagster partitions of these models (pipelines/dbt.py,
    dbt_project/README.md "Incremental models") reach dbt as DCW_MONTHS=<first day of the
    first month>/<first day after the last month>. [first, end) as two ISO dates, or none
    outside a backfill and on Spark (whole tables there). -#}
{% macro backfill_months() -%}
    {%- set months = env_var('DCW_MONTHS', '') -%}
    {{ return(months.split('/') if months and target.type != 'spark' else none) }}
{%- endmacro %}

{#- A backfill's scope in meta.dbt_scope: not whole, and every file ever logged of a
    `keyed_kinds` kind whose period starts in the months (every dealer), current or not, so a
    superseded version's rows go and the current one's come back. -#}
{% macro backfill_scope(name, keyed_kinds) -%}
{%- set months = backfill_months() -%}
insert into meta.dbt_scope
select '{{ name }}', false, null
union all
select distinct '{{ name }}', false, source_file
from {{ source('raw', 'submissions') }}
where kind in ('{{ keyed_kinds | join("', '") }}')
  and period_start >= date '{{ months[0] }}' and period_start < date '{{ months[1] }}';
{%- endmacro %}

{#- The rows of a model keyed by month (`column`, a date) inside a backfill's months, or from
    its first month on (`onward`: a model whose month carries the previous one's figures);
    every row outside a backfill. -#}
{% macro in_months(column, onward=false) -%}
{%- set months = backfill_months() -%}
{%- if months -%}
    ({{ column }} >= date '{{ months[0] }}'{% if not onward %} and {{ column }} < date '{{ months[1] }}'{% endif %})
{%- else -%}
    (1 = 1)
{%- endif -%}
{%- endmacro %}

{#- A model keyed by month whose months carry the earlier months' figures (fct_customer_rfm:
    12-month sums, the last purchase, each month's ranking): the first month a night rebuilds,
    into meta.dcw_scope_months. It is the first month of the sales files the night touched
    (every version: a sales file's lines lie in its month), or the month after the model's last
    one when the business date moved on (every month of an empty model), whichever is earlier.
    None on a whole build. -#}
{% macro scope_months() -%}
{%- set name = this.identifier -%}
delete from meta.dcw_scope_months where model = '{{ name }}';
insert into meta.dcw_scope_months
select '{{ name }}', least(
    (select min(s.period_start)
     from meta.dbt_scope as d
     inner join {{ source('raw', 'submissions') }} as s
         on s.source_file = d.source_file
     where d.model = '{{ name }}'),
    coalesce((select {{ add_months('max(month)', 1) }} from {{ this }}), {{ all_months() }}))
where not {{ scope_is_whole() }};
{%- endmacro %}

{#- The first month the last build of model `model_name` (keyed by month, scope_months)
    selected: every month (all_months) after a whole build, on Spark and with DCW_FULL_CHECKS.
    The model's select starts there and so do its data tests (`where: __night_months__`). -#}
{% macro night_first_month(model_name) -%}
{%- if target.type == 'spark' or env_var('DCW_FULL_CHECKS', '') not in ('', '0') -%}
    {{ all_months() }}
{%- else -%}
    (case when coalesce((select bool_or(whole) from meta.dbt_scope where model = '{{ model_name }}'), true)
          then {{ all_months() }}
          else coalesce((select month_from from meta.dcw_scope_months where model = '{{ model_name }}'),
                        {{ all_months() }}) end)
{%- endif -%}
{%- endmacro %}

{#- A month before any data: the first month of a whole build. -#}
{% macro all_months() -%}
    date '1900-01-01'
{%- endmacro %}

{#- The rows (alias `l`, a `month` column) of a model keyed by month that a night deletes and
    selects again: those from its first month rebuilt on, and those after the last complete
    month (the business date moved back). -#}
{% macro month_rows(l) -%}
    ({{ l }}.month >= {{ night_first_month(this.identifier) }} or {{ l }}.month > {{ last_complete_month() }})
{%- endmacro %}

{#- The config of a model incremental by customer (dim_customer, int_customer_months,
    int_customer_series): a night's sales files give its customers (scope_customers), a whole
    rebuild of int_sales_lines or a new file of `reaching_kinds` rebuilds it whole. -#}
{% macro customer_keyed_config(reaching_kinds=[]) -%}
    {{ return(appended_config("{{ incremental_scope(['sales'], " ~ reaching_kinds ~ ", upstream=['int_sales_lines'], widen=scope_customers(), rows=customer_rows('l')) }}")) }}
{%- endmacro %}

{#- The config of a model built again only when its inputs moved (int_months, dim_date,
    int_shipments_monthly): `signature`, the name of the macro giving its inputs' signature
    (inputs_unchanged). -#}
{% macro inputs_config(signature) -%}
    {{ return(appended_config("{{ inputs_scope(" ~ signature ~ "()) }}", "{{ inputs_done(" ~ signature ~ "()) }}")) }}
{%- endmacro %}

{#- The config of a model whose hooks delete what a build selects again, which the build
    appends (the incremental models of this file): `pre_hook` and `post_hook` as dbt takes
    them (strings rendered when the model runs). -#}
{% macro appended_config(pre_hook, post_hook="{{ incremental_done() }}") -%}
    {{ return({
        'materialized': incremental_materialization(),
        'incremental_strategy': 'append',
        'on_schema_change': 'append_new_columns',
        'pre_hook': pre_hook,
        'post_hook': post_hook,
    }) }}
{%- endmacro %}

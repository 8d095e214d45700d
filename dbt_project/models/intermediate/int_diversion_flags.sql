{#- The diversion rules (窜货) of docs/marts.md, one row per current accepted sales line and rule
    that fires. source_dealer_ids (FOREIGN_BATCH only) lists every dealer that had received
    the batch by the sale date, sorted, comma-separated.

    Built for millions of lines: one pass over the lines with a key join to the line's own
    receipt of its batch (receipts are one row per dealer, sku and batch), and the list of
    every holder only for the few lines whose own dealer had not received the batch. Joining
    each line with every holder of its batch, as a direct reading of the rule would, grows
    with the dealers that received a batch (~220 rows per line at 2,000 dealers). -#}
{#- Incremental (macros/incremental.sql): a night flags again the lines of the touched sales
    files and the other dealers' lines those files or the night's shipments reach
    (diversion_keys); a new opening inventory, or a whole rebuild of int_sales_lines, rebuilds
    it whole. -#}
{{ config(
    materialized=incremental_materialization(),
    tags=['monthly'],
    incremental_strategy='append',
    on_schema_change='sync_all_columns',
    pre_hook="{{ incremental_scope(['sales'], ['opening_inventory'], upstream=['int_sales_lines'], widen=diversion_keys(), rows=diversion_rows('l')) }}",
    post_hook="{{ incremental_done() }}",
) }}

with lines as (
    select
        l.source_file,
        l.source_row,
        l.dealer_id,
        l.sku,
        l.sale_date,
        l.sale_month,
        l.qty,
        l.batch_no,
        l.customer_city_code,
        l.customer_key,
        l.holds_territory,
        own.dealer_id is not null as received_own
    from {{ ref('int_sales_lines') }} as l
    left join {{ ref('int_batch_receipts') }} as own
        on own.dealer_id = l.dealer_id
       and own.sku = l.sku
       and own.batch_no = l.batch_no
       and own.first_received_on <= l.sale_date
    {% if is_incremental() %}where {{ diversion_rows('l') }}{% endif %}
),

{#- the lines that share a sale key with a line flagged here: its DOUBLE_REPORTED group -#}
peers as (
    {% if is_incremental() -%}
    select p.customer_key, p.sku, p.sale_date, p.qty, p.dealer_id
    from {{ ref('int_sales_lines') }} as p
    where (p.customer_key, p.sku, p.sale_date, p.qty) in (
        select customer_key, sku, sale_date, qty from lines where customer_key is not null)
    {%- else -%}
    select customer_key, sku, sale_date, qty, dealer_id from lines
    {%- endif %}
),

batch_not_own as (
    select * from lines
    where batch_no is not null and not received_own
),

holders as (
    {#- every dealer that had received the line's batch by the sale date -#}
    select
        l.source_file,
        l.source_row,
        {{ sorted_listagg('r.dealer_id', ',') }} as holder_ids
    from batch_not_own as l
    inner join {{ ref('int_batch_receipts') }} as r
        on r.sku = l.sku
       and r.batch_no = l.batch_no
       and r.first_received_on <= l.sale_date
    group by l.source_file, l.source_row
),

{#- DOUBLE_REPORTED: the same sale (customer_key, sku, sale_date, qty) in the files of two or
    more dealers; each line names the other dealers of its group -#}
double_groups as (
    select customer_key, sku, sale_date, qty
    from peers
    where customer_key is not null
    group by customer_key, sku, sale_date, qty
    having count(distinct dealer_id) >= 2
),

double_lines as (
    select l.*
    from lines as l
    inner join double_groups as g
        on g.customer_key = l.customer_key and g.sku = l.sku
       and g.sale_date = l.sale_date and g.qty = l.qty
),

double_others as (
    select
        d.source_file,
        d.source_row,
        {{ sorted_listagg('o.dealer_id', ',') }} as other_ids
    from double_lines as d
    inner join (select distinct customer_key, sku, sale_date, qty, dealer_id from peers) as o
        on o.customer_key = d.customer_key and o.sku = d.sku
       and o.sale_date = d.sale_date and o.qty = d.qty
       and o.dealer_id <> d.dealer_id
    group by d.source_file, d.source_row
),

flags as (
    select
        l.*,
        'OUT_OF_TERRITORY' as rule,
        cast(null as {{ dbt.type_string() }}) as source_dealer_ids
    from lines as l
    where not l.holds_territory

    union all

    select
        l.*,
        case when h.holder_ids is null then 'UNKNOWN_BATCH' else 'FOREIGN_BATCH' end as rule,
        h.holder_ids as source_dealer_ids
    from batch_not_own as l
    left join holders as h
        on h.source_file = l.source_file and h.source_row = l.source_row

    union all

    select
        l.*,
        'DOUBLE_REPORTED' as rule,
        o.other_ids as source_dealer_ids
    from double_lines as l
    inner join double_others as o
        on o.source_file = l.source_file and o.source_row = l.source_row
)

select
    source_file,
    source_row,
    dealer_id,
    sku,
    sale_date,
    sale_month,
    qty,
    batch_no,
    customer_city_code,
    customer_key,
    rule,
    source_dealer_ids
from flags

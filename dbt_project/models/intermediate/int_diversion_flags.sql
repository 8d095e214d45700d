{#- The diversion rules (窜货) of marts.md, one row per current accepted sales line and rule
    that fires. source_dealer_ids (FOREIGN_BATCH only) lists every dealer that had received
    the batch by the sale date, sorted, comma-separated. -#}
with lines as (
    select * from {{ ref('int_sales_lines') }}
),

own_batch as (
    {#- lines whose own dealer had received the batch by the sale date: no batch rule fires.
        Checked first by a key join, so the holder lists below are built only for the few
        other lines (joining every line with every holder grows with the number of dealers
        who received a batch: ~220 per line at 2,000 dealers). -#}
    select l.source_file, l.source_row
    from lines as l
    inner join {{ ref('int_batch_receipts') }} as r
        on r.dealer_id = l.dealer_id
       and r.sku = l.sku
       and r.batch_no = l.batch_no
       and r.first_received_on <= l.sale_date
),

batch_status as (
    {#- the other lines with a batch: every dealer that had received it by the sale date -#}
    select
        l.source_file,
        l.source_row,
        {{ sorted_listagg('r.dealer_id', ',') }} as holder_ids
    from lines as l
    inner join {{ ref('int_batch_receipts') }} as r
        on r.sku = l.sku
       and r.batch_no = l.batch_no
       and r.first_received_on <= l.sale_date
    where l.batch_no is not null
      and not exists (
          select 1 from own_batch as o
          where o.source_file = l.source_file and o.source_row = l.source_row
      )
    group by l.source_file, l.source_row
),

flags as (
    select
        l.source_file,
        l.source_row,
        'OUT_OF_TERRITORY' as rule,
        cast(null as {{ dbt.type_string() }}) as source_dealer_ids
    from lines as l
    where not l.holds_territory

    union all

    select
        l.source_file,
        l.source_row,
        'FOREIGN_BATCH' as rule,
        b.holder_ids as source_dealer_ids
    from lines as l
    inner join batch_status as b
        on b.source_file = l.source_file and b.source_row = l.source_row

    union all

    select
        l.source_file,
        l.source_row,
        'UNKNOWN_BATCH' as rule,
        cast(null as {{ dbt.type_string() }}) as source_dealer_ids
    from lines as l
    where l.batch_no is not null
      and not exists (
          select 1 from own_batch as o
          where o.source_file = l.source_file and o.source_row = l.source_row
      )
      and not exists (
          select 1 from batch_status as b
          where b.source_file = l.source_file and b.source_row = l.source_row
      )
)

select
    f.source_file,
    f.source_row,
    l.dealer_id,
    l.sku,
    l.sale_date,
    l.sale_month,
    l.qty,
    l.batch_no,
    l.customer_city_code,
    f.rule,
    f.source_dealer_ids
from flags as f
inner join lines as l
    on l.source_file = f.source_file and l.source_row = f.source_row

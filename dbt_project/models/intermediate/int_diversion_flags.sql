{#- The diversion rules (窜货) of marts.md, one row per current accepted sales line and rule
    that fires. source_dealer_ids (FOREIGN_BATCH only) lists every dealer that had received
    the batch by the sale date, sorted, comma-separated. -#}
with lines as (
    select * from {{ ref('int_sales_lines') }}
),

holders as (
    {#- dealers that had received the line's batch by its sale date -#}
    select
        l.source_file,
        l.source_row,
        r.dealer_id as holder_id,
        case when r.dealer_id = l.dealer_id then 1 else 0 end as is_own
    from lines as l
    inner join {{ ref('int_batch_receipts') }} as r
        on r.sku = l.sku
       and r.batch_no = l.batch_no
       and r.first_received_on <= l.sale_date
    where l.batch_no is not null
),

batch_status as (
    select
        source_file,
        source_row,
        max(is_own) as received_own,
        {{ sorted_listagg('holder_id', ',') }} as holder_ids
    from holders
    group by source_file, source_row
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
    where b.received_own = 0

    union all

    select
        l.source_file,
        l.source_row,
        'UNKNOWN_BATCH' as rule,
        cast(null as {{ dbt.type_string() }}) as source_dealer_ids
    from lines as l
    left join batch_status as b
        on b.source_file = l.source_file and b.source_row = l.source_row
    where l.batch_no is not null and b.source_file is null
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

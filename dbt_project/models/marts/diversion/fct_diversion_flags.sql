select
    f.source_file,
    f.source_row,
    f.dealer_id,
    f.sku,
    f.sale_date,
    f.qty,
    f.rule,
    case f.rule
        when 'OUT_OF_TERRITORY' then {{ dbt.concat([
            "f.dealer_id", "' sold '", number_text('f.qty'), "' x '", "f.sku",
            "' on '", "cast(f.sale_date as " ~ dbt.type_string() ~ ")",
            "' to a customer in city '", "f.customer_city_code",
            "coalesce(" ~ dbt.concat(["' ('", "r.city_name", "')'"]) ~ ", '')",
            "', where it held no territory on that date (check the customer address or the territory list).'"
        ]) }}
        when 'FOREIGN_BATCH' then {{ dbt.concat([
            "f.dealer_id", "' sold '", number_text('f.qty'), "' x '", "f.sku",
            "' of batch '", "f.batch_no", "' on '", "cast(f.sale_date as " ~ dbt.type_string() ~ ")",
            "' but had not received that batch by then; it had been delivered to '",
            "f.source_dealer_ids", "' (ask where the goods came from).'"
        ]) }}
        else {{ dbt.concat([
            "f.dealer_id", "' sold '", number_text('f.qty'), "' x '", "f.sku",
            "' of batch '", "f.batch_no", "' on '", "cast(f.sale_date as " ~ dbt.type_string() ~ ")",
            "', a batch no dealer had received by then (no shipment or opening inventory of it; check the batch number).'"
        ]) }}
    end as evidence,
    f.source_dealer_ids,
    f.batch_no,
    f.customer_city_code
from {{ ref('int_diversion_flags') }} as f
left join {{ ref('stg_regions') }} as r
    on r.city_code = f.customer_city_code

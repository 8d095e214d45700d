select
    f.source_file,
    f.source_row,
    f.dealer_id,
    f.sku,
    f.sale_date,
    f.qty,
    f.rule,
    {#- Chinese first, English after ' / ': channel managers and dealers read it (docs/marts.md) #}
    case f.rule
        when 'OUT_OF_TERRITORY' then {{ dbt.concat([
            "f.dealer_id", "' 于 '", "cast(f.sale_date as " ~ dbt.type_string() ~ ")",
            "' 向城市 '", "f.customer_city_code", "coalesce(" ~ dbt.concat(["'（'", "r.city_name", "'）'"]) ~ ", '')",
            "' 的客户销售 '", "f.sku", "' × '", number_text('f.qty'),
            "'，当日该城市不在其授权区域内（请核对客户地址或授权区域）。 / '",
            "f.dealer_id", "' sold '", number_text('f.qty'), "' x '", "f.sku",
            "' on '", "cast(f.sale_date as " ~ dbt.type_string() ~ ")",
            "' to a customer in city '", "f.customer_city_code",
            "coalesce(" ~ dbt.concat(["' ('", "r.city_name", "')'"]) ~ ", '')",
            "', where it held no territory on that date (check the customer address or the territory list).'"
        ]) }}
        when 'FOREIGN_BATCH' then {{ dbt.concat([
            "f.dealer_id", "' 于 '", "cast(f.sale_date as " ~ dbt.type_string() ~ ")",
            "' 销售 '", "f.sku", "' × '", number_text('f.qty'), "'，批号 '", "f.batch_no",
            "'，但截至当日并未收到该批次；该批次发给了 '", "f.source_dealer_ids", "'（请查明货物来源）。 / '",
            "f.dealer_id", "' sold '", number_text('f.qty'), "' x '", "f.sku",
            "' of batch '", "f.batch_no", "' on '", "cast(f.sale_date as " ~ dbt.type_string() ~ ")",
            "' but had not received that batch by then; it had been delivered to '",
            "f.source_dealer_ids", "' (ask where the goods came from).'"
        ]) }}
        when 'DOUBLE_REPORTED' then {{ dbt.concat([
            "'重复报备：'", "f.dealer_id", "' 报备的 '", "cast(f.sale_date as " ~ dbt.type_string() ~ ")",
            "' 销售（'", "f.sku", "' × '", number_text('f.qty'), "'，客户 '", "coalesce(c.customer_name, f.customer_key)",
            "'）同时出现在 '", "f.source_dealer_ids", "' 的报备中，请核实实际售出方。 / Double reporting: '",
            "f.dealer_id", "' reported selling '", number_text('f.qty'), "' x '", "f.sku", "' to '",
            "coalesce(c.customer_name, f.customer_key)", "' on '", "cast(f.sale_date as " ~ dbt.type_string() ~ ")",
            "', and '", "f.source_dealer_ids", "' reported the same sale (ask which dealer really sold it).'"
        ]) }}
        else {{ dbt.concat([
            "f.dealer_id", "' 于 '", "cast(f.sale_date as " ~ dbt.type_string() ~ ")",
            "' 销售 '", "f.sku", "' × '", number_text('f.qty'), "'，批号 '", "f.batch_no",
            "'，截至当日没有任何经销商收到过该批次（没有发货或期初库存记录，请核对批号）。 / '",
            "f.dealer_id", "' sold '", number_text('f.qty'), "' x '", "f.sku",
            "' of batch '", "f.batch_no", "' on '", "cast(f.sale_date as " ~ dbt.type_string() ~ ")",
            "', a batch no dealer had received by then (no shipment or opening inventory of it; check the batch number).'"
        ]) }}
    end as evidence,
    f.source_dealer_ids,
    f.batch_no,
    f.customer_city_code,
    f.customer_key
from {{ ref('int_diversion_flags') }} as f
left join {{ ref('stg_regions') }} as r
    on r.city_code = f.customer_city_code
left join {{ ref('dim_customer') }} as c
    on c.customer_key = f.customer_key

-- The transformation's floor: every mart that dbt builds (dbt_project/models/marts), computed
-- by one DuckDB script from the same raw tables (raw.<kind>, raw.submissions, raw.quarantine)
-- into schema `hand`, for the benchmark's transform ratio (bench/README.md).
--
-- The logic is dbt's, model for model (started from `dbt compile` output, so every macro
-- expands exactly as dbt expands it; tests/bench/test_harness.py checks that each table here
-- equals dbt's mart): what this script leaves out is dbt itself (process, parsing, adapter,
-- one transaction and one materialisation round-trip per model, persisted docs, data tests).
-- Staging models are temp views and intermediate models temp tables (but for
-- int_sales_lines_evidence, a view in dbt too; nothing of them is persisted); the marts are
-- tables, as dbt builds them. When a model changes, change its statement here too: the test
-- fails until both agree.
--
-- Needs: `set variable as_of = date 'YYYY-MM-DD'` (dbt var as_of, the business date).

begin transaction;
drop schema if exists hand cascade;
create schema hand;

-- staging: stg_campaigns
create temp view stg_campaigns as
select
    campaign_id,
    campaign_name,
    campaign_type,
    start_date,
    end_date,
    category,
    region,
    reimbursement_rate,
    budget,
    source_file,
    source_row
from (select r.*, f.dealer_id as file_dealer_id, f.period_start as file_period_start
    from raw."campaigns" as r
    inner join (select source_file, dealer_id, period_start, submitted_at
    from (
        select
            source_file,
            dealer_id,
            period_start,
            submitted_at,
            row_number() over (order by submitted_at desc, source_file desc
            ) as recency
        from raw."submissions"
        where kind = 'campaigns'
          and status in ('accepted', 'partially_accepted')
    ) as ranked
    where recency = 1) as f
        on r.source_file = f.source_file) as r
;

-- staging: stg_claims
create temp view stg_claims as
select
    claim_id,
    file_dealer_id as dealer_id,
    campaign_id,
    expense_type,
    amount,
    period_start,
    period_end,
    description,
    submitted_at,
    source_file,
    source_row
from (select *
    from (
        select
            r.*,
            f.dealer_id as file_dealer_id,
            row_number() over (
                partition by r.claim_id
                order by r.submitted_at desc, r.source_file desc, r.source_row desc
            ) as recency
        from raw."claims" as r
        inner join raw."submissions" as f
            on r.source_file = f.source_file
           and f.status in ('accepted', 'partially_accepted')
    ) as ranked
    where recency = 1) as r
;

-- staging: stg_dealers
create temp view stg_dealers as
select
    dealer_id,
    dealer_name,
    tier,
    region,
    province,
    city_code,
    credit_limit,
    status,
    contract_start,
    contract_end,
    source_file,
    source_row
from (select r.*, f.dealer_id as file_dealer_id, f.period_start as file_period_start
    from raw."dealers" as r
    inner join (select source_file, dealer_id, period_start, submitted_at
    from (
        select
            source_file,
            dealer_id,
            period_start,
            submitted_at,
            row_number() over (order by submitted_at desc, source_file desc
            ) as recency
        from raw."submissions"
        where kind = 'dealers'
          and status in ('accepted', 'partially_accepted')
    ) as ranked
    where recency = 1) as f
        on r.source_file = f.source_file) as r
;

-- staging: stg_inventory
create temp view stg_inventory as
select
    source_file,
    source_row,
    file_dealer_id as dealer_id,
    file_period_start as report_date,
    submitted_at,
    sku,
    qty_on_hand,
    nullif(batch_no, '') as batch_no
from (select r.*, f.dealer_id as file_dealer_id, f.period_start as file_period_start
    from raw."inventory" as r
    inner join (select source_file, dealer_id, period_start, submitted_at
    from (
        select
            source_file,
            dealer_id,
            period_start,
            submitted_at,
            row_number() over (
                partition by dealer_id, period_start
                order by submitted_at desc, source_file desc
            ) as recency
        from raw."submissions"
        where kind = 'inventory'
          and status in ('accepted', 'partially_accepted')
    ) as ranked
    where recency = 1) as f
        on r.source_file = f.source_file) as r
;

-- staging: stg_inventory_reports
create temp view stg_inventory_reports as
select
    source_file,
    dealer_id,
    period_start as report_date,
    submitted_at
from (select source_file, dealer_id, period_start, submitted_at
    from (
        select
            source_file,
            dealer_id,
            period_start,
            submitted_at,
            row_number() over (
                partition by dealer_id, period_start
                order by submitted_at desc, source_file desc
            ) as recency
        from raw."submissions"
        where kind = 'inventory'
          and status in ('accepted', 'partially_accepted')
    ) as ranked
    where recency = 1) as f
;

-- staging: stg_opening_inventory
create temp view stg_opening_inventory as
select
    dealer_id,
    sku,
    nullif(batch_no, '') as batch_no,
    qty,
    as_of_date,
    source_file,
    source_row
from (select r.*, f.dealer_id as file_dealer_id, f.period_start as file_period_start
    from raw."opening_inventory" as r
    inner join (select source_file, dealer_id, period_start, submitted_at
    from (
        select
            source_file,
            dealer_id,
            period_start,
            submitted_at,
            row_number() over (order by submitted_at desc, source_file desc
            ) as recency
        from raw."submissions"
        where kind = 'opening_inventory'
          and status in ('accepted', 'partially_accepted')
    ) as ranked
    where recency = 1) as f
        on r.source_file = f.source_file) as r
;

-- staging: stg_prices
create temp view stg_prices as
select
    sku,
    price_type,
    price,
    valid_from,
    valid_to,
    source_file,
    source_row
from (select r.*, f.dealer_id as file_dealer_id, f.period_start as file_period_start
    from raw."prices" as r
    inner join (select source_file, dealer_id, period_start, submitted_at
    from (
        select
            source_file,
            dealer_id,
            period_start,
            submitted_at,
            row_number() over (order by submitted_at desc, source_file desc
            ) as recency
        from raw."submissions"
        where kind = 'prices'
          and status in ('accepted', 'partially_accepted')
    ) as ranked
    where recency = 1) as f
        on r.source_file = f.source_file) as r
;

-- staging: stg_products
create temp view stg_products as
select
    sku,
    product_name,
    category,
    brand,
    unit_cost,
    launch_date,
    status,
    source_file,
    source_row
from (select r.*, f.dealer_id as file_dealer_id, f.period_start as file_period_start
    from raw."products" as r
    inner join (select source_file, dealer_id, period_start, submitted_at
    from (
        select
            source_file,
            dealer_id,
            period_start,
            submitted_at,
            row_number() over (order by submitted_at desc, source_file desc
            ) as recency
        from raw."submissions"
        where kind = 'products'
          and status in ('accepted', 'partially_accepted')
    ) as ranked
    where recency = 1) as f
        on r.source_file = f.source_file) as r
;

-- staging: stg_quarantine
create temp view stg_quarantine as
select
    source_file,
    source_row,
    kind,
    dealer_id,
    reason_codes,
    reason_detail,
    case
        when coalesce(regexp_extract(raw_values, '("customer_phone"\s*:\s*")((?:[^"\\]|\\.)*)"', 0), '') = '' then raw_values
        else replace(
            raw_values,
            regexp_extract(raw_values, '("customer_phone"\s*:\s*")((?:[^"\\]|\\.)*)"', 0),
            regexp_extract(raw_values, '("customer_phone"\s*:\s*")((?:[^"\\]|\\.)*)"', 1) || case
        when regexp_extract(raw_values, '("customer_phone"\s*:\s*")((?:[^"\\]|\\.)*)"', 2) is null then null
        when 
    length(
        regexp_extract(raw_values, '("customer_phone"\s*:\s*")((?:[^"\\]|\\.)*)"', 2)
    ) >= 11 then substr(regexp_extract(raw_values, '("customer_phone"\s*:\s*")((?:[^"\\]|\\.)*)"', 2), 1, 3) || '****' || substr(regexp_extract(raw_values, '("customer_phone"\s*:\s*")((?:[^"\\]|\\.)*)"', 2), 
    length(
        regexp_extract(raw_values, '("customer_phone"\s*:\s*")((?:[^"\\]|\\.)*)"', 2)
    ) - 3, 4)
        else '****'
    end || '"'
        )
    end as raw_values,
    submitted_at
from raw."quarantine"
;

-- staging: stg_regions
create temp view stg_regions as
select
    city_code,
    city_name,
    province,
    region,
    source_file,
    source_row
from (select r.*, f.dealer_id as file_dealer_id, f.period_start as file_period_start
    from raw."regions" as r
    inner join (select source_file, dealer_id, period_start, submitted_at
    from (
        select
            source_file,
            dealer_id,
            period_start,
            submitted_at,
            row_number() over (order by submitted_at desc, source_file desc
            ) as recency
        from raw."submissions"
        where kind = 'regions'
          and status in ('accepted', 'partially_accepted')
    ) as ranked
    where recency = 1) as f
        on r.source_file = f.source_file) as r
;

-- staging: stg_sales
create temp view stg_sales as
select
    source_file,
    source_row,
    file_dealer_id as dealer_id,
    file_period_start as sales_month,
    submitted_at,
    sale_date,
    customer_name,
    customer_city_code,
    case
        when customer_phone is null then null
        when length(customer_phone) >= 11 then substr(customer_phone, 1, 3) || '****' || substr(customer_phone, length(customer_phone) - 3, 4)
        else '****'
    end as customer_phone_masked,
    sku,
    qty,
    unit_price,
    nullif(batch_no, '') as batch_no,
    invoice_no
from (select r.*, f.dealer_id as file_dealer_id, f.period_start as file_period_start
    from raw."sales" as r
    inner join (select source_file, dealer_id, period_start, submitted_at
    from (
        select
            source_file,
            dealer_id,
            period_start,
            submitted_at,
            row_number() over (
                partition by dealer_id, period_start
                order by submitted_at desc, source_file desc
            ) as recency
        from raw."submissions"
        where kind = 'sales'
          and status in ('accepted', 'partially_accepted')
    ) as ranked
    where recency = 1) as f
        on r.source_file = f.source_file) as r
;

-- staging: stg_shipments
create temp view stg_shipments as
select
    shipment_id,
    line_no,
    ship_date,
    dealer_id,
    sku,
    qty,
    unit_price,
    nullif(batch_no, '') as batch_no,
    source_file,
    source_row,
    submitted_at
from (select *
    from (
        select
            r.*,
            f.dealer_id as file_dealer_id,
            row_number() over (
                partition by r.shipment_id, r.line_no
                order by r.submitted_at desc, r.source_file desc, r.source_row desc
            ) as recency
        from raw."shipments" as r
        inner join raw."submissions" as f
            on r.source_file = f.source_file
           and f.status in ('accepted', 'partially_accepted')
    ) as ranked
    where recency = 1) as r
;

-- staging: stg_submissions
create temp view stg_submissions as
select
    source_file,
    kind,
    source,
    dealer_id,
    period_start,
    submitted_at,
    content_hash,
    size_bytes,
    status,
    reason_code,
    reason_detail,
    rows_read,
    rows_accepted,
    rows_quarantined,
    superseded_by,
    duplicate_of,
    ingested_at,
    batch_id
from raw."submissions"
;

-- staging: stg_territories
create temp view stg_territories as
select
    dealer_id,
    city_code,
    valid_from,
    valid_to,
    source_file,
    source_row
from (select r.*, f.dealer_id as file_dealer_id, f.period_start as file_period_start
    from raw."territories" as r
    inner join (select source_file, dealer_id, period_start, submitted_at
    from (
        select
            source_file,
            dealer_id,
            period_start,
            submitted_at,
            row_number() over (order by submitted_at desc, source_file desc
            ) as recency
        from raw."submissions"
        where kind = 'territories'
          and status in ('accepted', 'partially_accepted')
    ) as ranked
    where recency = 1) as f
        on r.source_file = f.source_file) as r
;

-- intermediate: int_batch_receipts
create temp table int_batch_receipts as
with receipts as (
    select dealer_id, sku, batch_no, ship_date as received_on
    from stg_shipments
    where batch_no is not null and qty > 0
    union all
    select dealer_id, sku, batch_no, as_of_date as received_on
    from stg_opening_inventory
    where batch_no is not null
)
select
    dealer_id,
    sku,
    batch_no,
    min(received_on) as first_received_on
from receipts
group by dealer_id, sku, batch_no
;

-- intermediate: int_sales_lines
create temp table int_sales_lines as
with lines as (
    select * from stg_sales
),
sku_days as (
    select distinct sku, sale_date from lines
),
prices_in_force as (
    select
        d.sku,
        d.sale_date,
        p.price_type,
        p.price,
        row_number() over (
            partition by d.sku, d.sale_date, p.price_type
            order by p.valid_from desc, p.source_row desc
        ) as pick
    from sku_days as d
    inner join stg_prices as p
        on p.sku = d.sku
       and (p.valid_from <= d.sale_date and (p.valid_to is null or d.sale_date <= p.valid_to))
),
prices as (
    select
        sku,
        sale_date,
        max(case when price_type = 'retail_guide' then price end) as guide_price,
        max(case when price_type = 'floor' then price end) as floor_price,
        max(case when price_type = 'dealer' then price end) as dealer_price
    from prices_in_force
    where pick = 1
    group by sku, sale_date
),
territory as (
    select distinct k.dealer_id, k.customer_city_code, k.sale_date
    from (select distinct dealer_id, customer_city_code, sale_date from lines) as k
    inner join stg_territories as t
        on t.dealer_id = k.dealer_id
       and t.city_code = k.customer_city_code
       and (t.valid_from <= k.sale_date and (t.valid_to is null or k.sale_date <= t.valid_to))
)
select
    l.source_file,
    l.source_row,
    l.dealer_id,
    d.region as dealer_region,
    l.submitted_at,
    l.sale_date,
    cast(date_trunc('month', l.sale_date) as date) as sale_month,
    l.customer_city_code,
    l.sku,
    pr.category,
    pr.unit_cost,
    l.qty,
    l.unit_price,
    l.qty * l.unit_price as line_value,
    l.batch_no,
    p.guide_price,
    p.floor_price,
    p.dealer_price,
    t.dealer_id is not null as holds_territory
from lines as l
left join prices as p
    on p.sku = l.sku and p.sale_date = l.sale_date
left join territory as t
    on t.dealer_id = l.dealer_id
   and t.customer_city_code = l.customer_city_code
   and t.sale_date = l.sale_date
left join stg_dealers as d
    on d.dealer_id = l.dealer_id
left join stg_products as pr
    on pr.sku = l.sku
;

-- intermediate: int_diversion_flags
create temp table int_diversion_flags as
with lines as (
    select
        l.source_file, l.source_row, l.dealer_id, l.sku, l.sale_date, l.sale_month, l.qty,
        l.batch_no, l.customer_city_code, l.holds_territory,
        own.dealer_id is not null as received_own
    from int_sales_lines as l
    left join int_batch_receipts as own
        on own.dealer_id = l.dealer_id and own.sku = l.sku and own.batch_no = l.batch_no
       and own.first_received_on <= l.sale_date
),
batch_not_own as (
    select * from lines where batch_no is not null and not received_own
),
holders as (
    select l.source_file, l.source_row, string_agg(r.dealer_id, ',' order by r.dealer_id) as holder_ids
    from batch_not_own as l
    inner join int_batch_receipts as r
        on r.sku = l.sku and r.batch_no = l.batch_no and r.first_received_on <= l.sale_date
    group by l.source_file, l.source_row
),
flags as (
    select l.*, 'OUT_OF_TERRITORY' as rule, cast(null as text) as source_dealer_ids
    from lines as l
    where not l.holds_territory
    union all
    select l.*, case when h.holder_ids is null then 'UNKNOWN_BATCH' else 'FOREIGN_BATCH' end,
           h.holder_ids
    from batch_not_own as l
    left join holders as h on h.source_file = l.source_file and h.source_row = l.source_row
)
select source_file, source_row, dealer_id, sku, sale_date, sale_month, qty, batch_no,
       customer_city_code, rule, source_dealer_ids
from flags
;

-- intermediate: int_sales_lines_evidence
create temp view int_sales_lines_evidence as
select l.*
from int_sales_lines as l
left join (
    select distinct source_file, source_row from int_diversion_flags
) as f
    on f.source_file = l.source_file and f.source_row = l.source_row
where f.source_file is null
;

-- intermediate: int_claim_rules
create temp table int_claim_rules as
with claims as (
    select
        c.claim_id,
        c.dealer_id,
        c.campaign_id,
        c.expense_type,
        c.amount as claimed_amount,
        c.period_start,
        c.period_end,
        c.description,
        c.submitted_at,
        c.source_file,
        c.source_row,
        k.campaign_id is not null as campaign_known,
        k.start_date,
        k.end_date,
        k.category as campaign_category,
        k.region as campaign_region,
        k.reimbursement_rate,
        k.budget,
        d.region as dealer_region,
        case when k.campaign_id is not null then greatest(c.period_start, k.start_date) end as eligible_start,
        case when k.campaign_id is not null then least(c.period_end, k.end_date) end as eligible_end
    from stg_claims as c
    left join stg_campaigns as k
        on k.campaign_id = c.campaign_id
    left join stg_dealers as d
        on d.dealer_id = c.dealer_id
),
rules_1_to_4 as (
    select
        claims.*,
        case
            when not campaign_known then 'UNKNOWN_CAMPAIGN'
            when campaign_region <> '*' and (dealer_region is null or dealer_region <> campaign_region)
                then 'DEALER_NOT_ELIGIBLE'
            when eligible_start > eligible_end then 'OUT_OF_WINDOW'
            when 
        date_diff('day', end_date, cast(submitted_at as date))
     > 60 then 'LATE_CLAIM'
        end as early_code
    from claims
),
duplicates as (select distinct c.claim_id
    from rules_1_to_4 as c
    inner join rules_1_to_4 as e
        on e.dealer_id = c.dealer_id
       and e.campaign_id = c.campaign_id
       and e.claim_id <> c.claim_id
       and (e.submitted_at < c.submitted_at or (e.submitted_at = c.submitted_at and e.claim_id < c.claim_id))
       and e.eligible_start <= c.eligible_end
       and c.eligible_start <= e.eligible_end
    where c.early_code is null and e.early_code is null
),
verified as (
    select c.claim_id, sum(l.line_value) as verified_sales_value
    from rules_1_to_4 as c
    inner join int_sales_lines_evidence as l
        on l.dealer_id = c.dealer_id
       and (c.campaign_category = '*' or l.category = c.campaign_category)
       and l.sale_date >= c.eligible_start
       and l.sale_date <= c.eligible_end
    where c.campaign_known
    group by c.claim_id
)
select
    r.claim_id,
    r.dealer_id,
    r.campaign_id,
    r.expense_type,
    r.claimed_amount,
    r.period_start,
    r.period_end,
    r.description,
    r.submitted_at,
    r.source_file,
    r.source_row,
    r.campaign_known,
    r.budget,
    r.eligible_start,
    r.eligible_end,
    case when r.campaign_known then coalesce(v.verified_sales_value, 0) end as verified_sales_value,
    case
        when r.campaign_known
            then cast(round(r.reimbursement_rate * coalesce(v.verified_sales_value, 0), 2) as decimal(18,2))
    end as cap_amount,
    coalesce(
        r.early_code,
        case
            when dup.claim_id is not null then 'DUPLICATE_CLAIM'
            when coalesce(v.verified_sales_value, 0) = 0 then 'NO_SALES_EVIDENCE'
        end
    ) as rejection_code
from rules_1_to_4 as r
left join duplicates as dup
    on dup.claim_id = r.claim_id
left join verified as v
    on v.claim_id = r.claim_id
;

-- intermediate: int_months
create temp table int_months as
with activity as (
    select min(as_of_date) as first_day, max(as_of_date) as last_day
    from stg_opening_inventory
    union all
    select min(ship_date), max(ship_date) from stg_shipments
    union all
    select min(sale_date), max(sale_date) from stg_sales
),
bounds as (
    select
        cast(date_trunc('month', min(first_day)) as date) as first_month,
        cast(date_trunc('month', max(last_day)) as date) as last_month
    from activity
),
months as (
    select cast((b.first_month + cast(i.n as bigint) * interval 1 month) as date) as month
    from bounds as b
    cross join (select range as n from range(10000)) as i
    where i.n <= 
        date_diff('month', b.first_month, b.last_month)
)
select
    month,
    cast((cast((month + cast(1 as bigint) * interval 1 month) as date) + cast(-1 as bigint) * interval 1 day) as date) as month_end, date_diff('day', month, cast((month + cast(1 as bigint) * interval 1 month) as date))
     as days_in_month
from months
;

-- marts: fct_sell_through_monthly
create table hand.fct_sell_through_monthly as
with opening as (
    select dealer_id, sku, cast(date_trunc('month', as_of_date) as date) as month, sum(qty) as qty
    from stg_opening_inventory
    group by dealer_id, sku, cast(date_trunc('month', as_of_date) as date)
),
sell_in as (
    select dealer_id, sku, cast(date_trunc('month', ship_date) as date) as month, sum(qty) as qty
    from stg_shipments
    group by dealer_id, sku, cast(date_trunc('month', ship_date) as date)
),
sell_out as (
    select dealer_id, sku, sale_month as month, sum(qty) as qty
    from int_sales_lines
    group by dealer_id, sku, sale_month
),
pairs as (
    select dealer_id, sku, min(month) as first_month
    from (
        select dealer_id, sku, month from opening
        union all
        select dealer_id, sku, month from sell_in
        union all
        select dealer_id, sku, month from sell_out
    ) as activity
    group by dealer_id, sku
),
grid as (
    select p.dealer_id, p.sku, p.first_month, m.month, m.month_end, m.days_in_month
    from pairs as p
    inner join int_months as m
        on m.month >= p.first_month
),
flows as (
    select
        g.dealer_id,
        g.sku,
        g.month,
        g.month_end,
        g.days_in_month,
        g.month = g.first_month as is_first_month,case when g.month = g.first_month then coalesce(o.qty, 0) else 0 end as first_opening_qty,
        coalesce(si.qty, 0) as sell_in_qty,
        coalesce(so.qty, 0) as sell_out_qty
    from grid as g
    left join opening as o
        on o.dealer_id = g.dealer_id and o.sku = g.sku and o.month = g.month
    left join sell_in as si
        on si.dealer_id = g.dealer_id and si.sku = g.sku and si.month = g.month
    left join sell_out as so
        on so.dealer_id = g.dealer_id and so.sku = g.sku and so.month = g.month
),
running as (
    select
        f.*,
        sum(first_opening_qty + sell_in_qty - sell_out_qty) over (
            partition by dealer_id, sku order by month
            rows between unbounded preceding and current row
        ) as closing_qty,
        sum(sell_out_qty) over (
            partition by dealer_id, sku order by month
            rows between 2 preceding and current row
        ) as cover_sell_out_qty,
        sum(days_in_month) over (
            partition by dealer_id, sku order by month
            rows between 2 preceding and current row
        ) as cover_days,
        count(*) over (
            partition by dealer_id, sku order by month
            rows between 2 preceding and current row
        ) as cover_months
    from flows as f
),
reported as (
    select
        r.dealer_id,
        r.report_date,
        i.sku,
        sum(i.qty_on_hand) as qty_on_hand
    from stg_inventory_reports as r
    inner join stg_inventory as i
        on i.source_file = r.source_file
    group by r.dealer_id, r.report_date, i.sku
),
measured as (
    select
        ru.*,
        ru.closing_qty - ru.sell_in_qty + ru.sell_out_qty as opening_qty,
        case
            when rep.source_file is null then null
            else coalesce(inv.qty_on_hand, 0)
        end as reported_closing_qty
    from running as ru
    left join stg_inventory_reports as rep
        on rep.dealer_id = ru.dealer_id and rep.report_date = ru.month_end
    left join reported as inv
        on inv.dealer_id = ru.dealer_id and inv.report_date = ru.month_end and inv.sku = ru.sku
)
select
    dealer_id,
    sku,
    month,
    is_first_month,
    cast(opening_qty as decimal(18,4)) as opening_qty,
    cast(sell_in_qty as decimal(18,4)) as sell_in_qty,
    cast(sell_out_qty as decimal(18,4)) as sell_out_qty,
    cast(closing_qty as decimal(18,4)) as closing_qty,
    cast(reported_closing_qty as decimal(18,4)) as reported_closing_qty,
    cast(reported_closing_qty - closing_qty as decimal(18,4)) as inventory_variance_qty,
    case
        when opening_qty + sell_in_qty > 0
            then cast(sell_out_qty as double) / cast(opening_qty + sell_in_qty as double)
    end as sell_through_rate,
    cast(cover_sell_out_qty as decimal(18,4)) as cover_sell_out_qty,
    cast(cover_months as integer) as cover_months,
    cast(cover_days as integer) as cover_days,
    case
        when cover_sell_out_qty <> 0
            then cast(closing_qty as double) * cover_days
                 / (7 * cast(cover_sell_out_qty as double))
    end as weeks_of_cover
from measured
;

-- marts: agg_dealer_diversion_monthly
create table hand.agg_dealer_diversion_monthly as
with dealer_months as (
    select distinct dealer_id, month
    from hand.fct_sell_through_monthly
),
flags as (
    select
        dealer_id,
        sale_month as month,
        sum(case when rule = 'OUT_OF_TERRITORY' then 1 else 0 end) as out_of_territory_lines,
        sum(case when rule = 'OUT_OF_TERRITORY' then qty else 0 end) as out_of_territory_qty,
        sum(case when rule = 'FOREIGN_BATCH' then 1 else 0 end) as foreign_batch_lines,
        sum(case when rule = 'FOREIGN_BATCH' then qty else 0 end) as foreign_batch_qty,
        sum(case when rule = 'UNKNOWN_BATCH' then 1 else 0 end) as unknown_batch_lines,
        sum(case when rule = 'UNKNOWN_BATCH' then qty else 0 end) as unknown_batch_qty,
        count(*) as flags
    from int_diversion_flags
    group by dealer_id, sale_month
),
flagged_lines as (
    select dealer_id, sale_month as month, count(*) as flagged_lines, sum(qty) as flagged_qty
    from (
        select distinct source_file, source_row, dealer_id, sale_month, qty
        from int_diversion_flags
    ) as lines
    group by dealer_id, sale_month
),
negative_stock as (
    select
        dealer_id,
        month,
        count(*) as negative_stock_skus,
    string_agg(
        sku,
        ','
        order by sku
        ) as negative_stock_sku_list
    from hand.fct_sell_through_monthly
    where closing_qty < 0
    group by dealer_id, month
)
select
    dm.dealer_id,
    dm.month,
    coalesce(f.out_of_territory_lines, 0) as out_of_territory_lines,
    cast(coalesce(f.out_of_territory_qty, 0) as decimal(18,4)) as out_of_territory_qty,
    coalesce(f.foreign_batch_lines, 0) as foreign_batch_lines,
    cast(coalesce(f.foreign_batch_qty, 0) as decimal(18,4)) as foreign_batch_qty,
    coalesce(f.unknown_batch_lines, 0) as unknown_batch_lines,
    cast(coalesce(f.unknown_batch_qty, 0) as decimal(18,4)) as unknown_batch_qty,
    coalesce(f.flags, 0) as flags,
    coalesce(fl.flagged_lines, 0) as flagged_lines,
    cast(coalesce(fl.flagged_qty, 0) as decimal(18,4)) as flagged_qty,
    coalesce(n.negative_stock_skus, 0) as negative_stock_skus,
    n.negative_stock_sku_list
from dealer_months as dm
left join flags as f
    on f.dealer_id = dm.dealer_id and f.month = dm.month
left join flagged_lines as fl
    on fl.dealer_id = dm.dealer_id and fl.month = dm.month
left join negative_stock as n
    on n.dealer_id = dm.dealer_id and n.month = dm.month
;

-- marts: dim_campaign
create table hand.dim_campaign as
select
    campaign_id,
    campaign_name,
    campaign_type,
    start_date,
    end_date, date_diff('day', start_date, end_date)
     + 1 as length_days,
    cast((start_date + cast(-1 - 
        date_diff('day', start_date, end_date)
     as bigint) * interval 1 day) as date) as baseline_start,
    cast((start_date + cast(-1 as bigint) * interval 1 day) as date) as baseline_end,
    category,
    region,
    reimbursement_rate,
    budget
from stg_campaigns
;

-- marts: dim_date
create table hand.dim_date as
with dated as (
    select as_of_date as d from stg_opening_inventory
    union all select ship_date from stg_shipments
    union all select min(sale_date) from int_sales_lines
    union all select max(sale_date) from int_sales_lines
    union all select cast(submitted_at as date) from stg_submissions
    union all select start_date from stg_campaigns
    union all select end_date from stg_campaigns
    union all
    select cast((start_date + cast(-1 - 
        date_diff('day', start_date, end_date)
     as bigint) * interval 1 day) as date)
    from stg_campaigns
),
bounds as (
    select
        cast(date_trunc('month', min(d)) as date) as first_day,
        cast((cast((cast(date_trunc('month', max(d)) as date) + cast(1 as bigint) * interval 1 month) as date) + cast(-1 as bigint) * interval 1 day) as date) as last_day
    from dated
),
days as (
    select cast((b.first_day + cast(i.n as bigint) * interval 1 day) as date) as date_day
    from bounds as b
    cross join (select range as n from range(100000)) as i
    where i.n <= 
        date_diff('day', b.first_day, b.last_day)
)
select
    date_day,
    cast(date_trunc('month', date_day) as date) as month,
    extract(year from date_day) as year,
    extract(quarter from date_day) as quarter,
    extract(month from date_day) as month_of_year,
    extract(day from date_day) as day_of_month,
    date_day = cast((cast((cast(date_trunc('month', date_day) as date) + cast(1 as bigint) * interval 1 month) as date) + cast(-1 as bigint) * interval 1 day) as date) as is_month_end
from days
;

-- marts: dim_dealer
create table hand.dim_dealer as
select
    d.dealer_id,
    d.dealer_name,
    d.tier,
    d.region,
    d.province,
    d.city_code,
    r.city_name,
    d.credit_limit,
    d.status,
    d.contract_start,
    d.contract_end
from stg_dealers as d
left join stg_regions as r
    on r.city_code = d.city_code
;

-- marts: dim_product
create table hand.dim_product as
select
    sku,
    product_name,
    category,
    brand,
    unit_cost,
    launch_date,
    status
from stg_products
;

-- marts: dim_region
create table hand.dim_region as
select
    city_code,
    city_name,
    province,
    region
from stg_regions
;

-- marts: dq_quarantine
create table hand.dq_quarantine as
select
    source_file,
    source_row,
    kind,
    dealer_id,
    reason_codes,
    reason_detail,
    raw_values,
    submitted_at
from stg_quarantine
;

-- marts: dq_submissions
create table hand.dq_submissions as
select
    source_file,
    kind,
    source,
    dealer_id,
    period_start,
    submitted_at,
    content_hash,
    size_bytes,
    status,
    rows_read,
    rows_accepted,
    rows_quarantined,
    reason_code,
    reason_detail,
    superseded_by,
    duplicate_of,
    ingested_at,
    batch_id
from stg_submissions
;

-- marts: fct_expense_writeoff
create table hand.fct_expense_writeoff as
with claims as (
    select * from int_claim_rules
),
served as (select
        claim_id,
        after_cap,
        is_capped,
        least(budget_left, running_total) - least(budget_left, running_total - after_cap) as approved_amount
    from (
        select
            claim_id,
            least(claimed_amount, cap_amount) as after_cap,
            claimed_amount > cap_amount as is_capped,
            greatest(budget, 0) as budget_left,
            sum(least(claimed_amount, cap_amount)) over (
                partition by campaign_id order by submitted_at, claim_id
                rows between unbounded preceding and current row
            ) as running_total
        from claims
        where rejection_code is null
    ) as ordered
),
decided as (
    select
        c.*,
        coalesce(s.approved_amount, 0) as approved,
        case
            when c.rejection_code is not null then c.rejection_code
            when s.is_capped and s.approved_amount < s.after_cap then 'CAPPED_BY_SALES,BUDGET_EXHAUSTED'
            when s.is_capped then 'CAPPED_BY_SALES'
            when s.approved_amount < s.after_cap then 'BUDGET_EXHAUSTED'
        end as reason_codes
    from claims as c
    left join served as s
        on s.claim_id = c.claim_id
)
select
    claim_id,
    dealer_id,
    campaign_id,
    expense_type,
    description,
    submitted_at,
    cast(claimed_amount as decimal(18,4)) as claimed_amount,
    eligible_start,
    eligible_end,
    verified_sales_value,
    cap_amount,
    cast(approved as decimal(18,4)) as approved_amount,
    case
        when approved = claimed_amount then 'approved'
        when approved > 0 then 'partially_approved'
        else 'rejected'
    end as status,
    reason_codes,
    cast(date_trunc('month', submitted_at) as date) as writeoff_month,
    source_file,
    source_row
from decided
;

-- marts: fct_campaign_roi
create table hand.fct_campaign_roi as
with campaigns as (
    select
        campaign_id,
        category,
        start_date,
        end_date,
        cast((start_date + cast(-1 - 
        date_diff('day', start_date, end_date)
     as bigint) * interval 1 day) as date) as baseline_start,
        cast((start_date + cast(-1 as bigint) * interval 1 day) as date) as baseline_end
    from stg_campaigns
),
claims as (
    select
        campaign_id,
        dealer_id,
        sum(approved_amount) as approved_spend,
        sum(case when status <> 'rejected' then 1 else 0 end) as claims_not_rejected,
        count(*) as claims
    from hand.fct_expense_writeoff
    group by campaign_id, dealer_id
),
pairs as (
    select k.*, c.dealer_id, c.approved_spend, c.claims
    from claims as c
    inner join campaigns as k
        on k.campaign_id = c.campaign_id
    where c.claims_not_rejected > 0
),
lines as (
    select
        p.campaign_id,
        p.dealer_id,
        case when l.sale_date >= p.start_date and l.sale_date <= p.end_date then 'W' else 'B' end as win,
        l.qty,
        l.line_value,
        l.qty * (l.dealer_price - l.unit_cost) as gross_margin
    from pairs as p
    inner join int_sales_lines_evidence as l
        on l.dealer_id = p.dealer_id
       and (p.category = '*' or l.category = p.category)
       and l.sale_date >= p.baseline_start
       and l.sale_date <= p.end_date
),
sums as (
    select
        campaign_id,
        dealer_id,
        sum(case when win = 'W' then qty else 0 end) as campaign_qty,
        sum(case when win = 'B' then qty else 0 end) as baseline_qty,
        sum(case when win = 'W' then line_value else 0 end) as campaign_sales_value,
        sum(case when win = 'B' then line_value else 0 end) as baseline_sales_value,
        sum(case when win = 'W' then gross_margin else 0 end) as campaign_gross_margin,
        sum(case when win = 'B' then gross_margin else 0 end) as baseline_gross_margin,
        sum(case when gross_margin is null then 1 else 0 end) as lines_without_margin
    from lines
    group by campaign_id, dealer_id
)
select
    p.campaign_id,
    p.dealer_id,
    p.start_date,
    p.end_date,
    p.baseline_start,
    p.baseline_end,
    cast(coalesce(s.campaign_qty, 0) as decimal(18,4)) as campaign_qty,
    cast(coalesce(s.baseline_qty, 0) as decimal(18,4)) as baseline_qty,
    coalesce(s.campaign_sales_value, 0) as campaign_sales_value,
    coalesce(s.baseline_sales_value, 0) as baseline_sales_value,
    coalesce(s.campaign_gross_margin, 0) as campaign_gross_margin,
    coalesce(s.baseline_gross_margin, 0) as baseline_gross_margin,
    coalesce(s.campaign_gross_margin, 0) - coalesce(s.baseline_gross_margin, 0) as incremental_gross_margin,
    coalesce(s.lines_without_margin, 0) as lines_without_margin,
    cast(p.approved_spend as decimal(18,4)) as approved_spend,
    cast(coalesce(s.campaign_gross_margin, 0) - coalesce(s.baseline_gross_margin, 0) - p.approved_spend as double)
        / cast(p.approved_spend as double) as roi
from pairs as p
left join sums as s
    on s.campaign_id = p.campaign_id and s.dealer_id = p.dealer_id
;

-- marts: fct_dealer_scorecard
create table hand.fct_dealer_scorecard as
with dealer_files as (select
        dealer_id,
        kind,
        cast(date_trunc('month', period_start) as date) as month,
        submitted_at,
        status,
        rows_read,
        rows_quarantined
    from stg_submissions
    where kind in ('sales', 'inventory')
      and status <> 'duplicate'
      and dealer_id is not null
      and period_start is not null
),
first_months as (select dealer_id, min(month) as first_month
    from (
        select dealer_id, month from hand.fct_sell_through_monthly
        union all
        select dealer_id, month from dealer_files where status in ('accepted', 'partially_accepted', 'superseded')
    ) as activity
    group by dealer_id
),
grid as (
    select f.dealer_id, m.month
    from first_months as f
    inner join int_months as m
        on m.month >= f.first_month
),
reporting as (
    select
        dealer_id,
        month,min(case when kind = 'sales' and status in ('accepted', 'partially_accepted', 'superseded') then submitted_at end) as first_sales_submitted_at,
        sum(case when kind = 'sales' and status in ('accepted', 'partially_accepted', 'superseded') then 1 else 0 end) as sales_files,
        sum(case when status = 'rejected' then 1 else 0 end) as rejected_files,
        sum(case when status in ('accepted', 'partially_accepted', 'superseded') then rows_read else 0 end) as rows_read,
        sum(case when status in ('accepted', 'partially_accepted', 'superseded') then rows_quarantined else 0 end) as rows_quarantined
    from dealer_files
    group by dealer_id, month
),
sales as (
    select
        dealer_id,
        sale_month as month,
        count(*) as sales_lines,
        sum(qty) as sell_out_qty,
        sum(line_value) as sell_out_value,
        sum(case when floor_price is not null then 1 else 0 end) as floor_priced_lines,
        sum(case when unit_price >= floor_price then 1 else 0 end) as at_or_above_floor_lines
    from int_sales_lines
    group by dealer_id, sale_month
),
inventory as (
    select
        dealer_id,
        month,
        count(*) as reported_skus,
        sum(reported_closing_qty) as reported_qty,
        sum(abs(inventory_variance_qty)) as abs_variance_qty
    from hand.fct_sell_through_monthly
    where reported_closing_qty is not null
    group by dealer_id, month
),
monthly as (
    select
        g.dealer_id,
        g.month,
        cast((cast((g.month + cast(1 as bigint) * interval 1 month) as date) + cast(4 as bigint) * interval 1 day) as date) as sales_due_date,
        r.first_sales_submitted_at,
        coalesce(r.sales_files, 0) as sales_files,
        coalesce(r.rejected_files, 0) as rejected_files,
        coalesce(r.rows_read, 0) as rows_read,
        coalesce(r.rows_quarantined, 0) as rows_quarantined,
        coalesce(s.sales_lines, 0) as sales_lines,
        coalesce(s.sell_out_qty, 0) as sell_out_qty,
        coalesce(s.sell_out_value, 0) as sell_out_value,
        coalesce(s.floor_priced_lines, 0) as floor_priced_lines,
        coalesce(s.at_or_above_floor_lines, 0) as at_or_above_floor_lines,
        coalesce(d.flagged_lines, 0) as flagged_lines,
        coalesce(d.out_of_territory_lines, 0) as out_of_territory_lines,
        coalesce(d.foreign_batch_lines, 0) as foreign_batch_lines,
        coalesce(d.unknown_batch_lines, 0) as unknown_batch_lines,
        i.reported_skus,
        i.reported_qty,
        i.abs_variance_qty
    from grid as g
    left join reporting as r
        on r.dealer_id = g.dealer_id and r.month = g.month
    left join sales as s
        on s.dealer_id = g.dealer_id and s.month = g.month
    left join hand.agg_dealer_diversion_monthly as d
        on d.dealer_id = g.dealer_id and d.month = g.month
    left join inventory as i
        on i.dealer_id = g.dealer_id and i.month = g.month
),
measured as (
    select
        m.*,case
            when m.first_sales_submitted_at is null then
                case when getvariable('as_of') > m.sales_due_date then 'missing' else 'not_due' end
            when m.first_sales_submitted_at
                 < cast(cast((m.sales_due_date + cast(1 as bigint) * interval 1 day) as date) as timestamp) then 'on_time'
            else 'late'
        end as timeliness,
        case
            when m.rows_read > 0
                then cast(m.rows_quarantined as double) / cast(m.rows_read as double)
        end as quarantined_row_share,
        case
            when m.sales_lines > 0
                then cast(m.flagged_lines as double) / cast(m.sales_lines as double)
        end as flagged_line_share,
        case
            when m.floor_priced_lines > 0
                then cast(m.at_or_above_floor_lines as double)
                     / cast(m.floor_priced_lines as double)
        end as at_or_above_floor_share,
        case
            when m.reported_skus is null then null
            when m.abs_variance_qty = 0 then cast(1 as double)
            when m.reported_qty <= 0 then cast(0 as double)
            else greatest(
                cast(0 as double),
                1 - cast(m.abs_variance_qty as double) / cast(m.reported_qty as double)
            )
        end as inventory_accuracy
    from monthly as m
),
components as (
    select
        ms.*,
        case ms.timeliness
            when 'on_time' then cast(1 as double)
            when 'late' then cast(0.5 as double)
            when 'missing' then cast(0 as double)
        end as timeliness_component,
        1 - ms.quarantined_row_share as data_quality_component,
        1 - ms.flagged_line_share as diversion_component,
        ms.inventory_accuracy as inventory_accuracy_component
    from measured as ms
),
scored as (
    select
        c.*,
        case when c.timeliness_component is not null then 1 else 0 end +
        case when c.data_quality_component is not null then 1 else 0 end +
        case when c.diversion_component is not null then 1 else 0 end +
        case when c.inventory_accuracy_component is not null then 1 else 0 end as score_components,
        100 * (
            coalesce(0.3 * c.timeliness_component, 0) +
            coalesce(0.25 * c.data_quality_component, 0) +
            coalesce(0.25 * c.diversion_component, 0) +
            coalesce(0.2 * c.inventory_accuracy_component, 0)
        ) / nullif(
            case when c.timeliness_component is not null then 0.3 else 0 end +
            case when c.data_quality_component is not null then 0.25 else 0 end +
            case when c.diversion_component is not null then 0.25 else 0 end +
            case when c.inventory_accuracy_component is not null then 0.2 else 0 end,
            0
        ) as raw_score
    from components as c
),
rounded as (
    select scored.*, round(cast(raw_score as double), 2) as composite_score
    from scored
)
select
    r.dealer_id,
    r.month,
    cast(r.sell_out_qty as decimal(18,4)) as sell_out_qty,
    r.sell_out_value,
    prev.sell_out_value as prev_month_sell_out_value,
    ly.sell_out_value as last_year_sell_out_value,
    case
        when prev.sell_out_value > 0
            then cast(r.sell_out_value - prev.sell_out_value as double)
                 / cast(prev.sell_out_value as double)
    end as sell_out_growth_mom,
    case
        when ly.sell_out_value > 0
            then cast(r.sell_out_value - ly.sell_out_value as double)
                 / cast(ly.sell_out_value as double)
    end as sell_out_growth_yoy,
    r.sales_due_date,
    r.first_sales_submitted_at,
    r.timeliness,
    case
        when r.timeliness = 'late'
            then 
        date_diff('day', r.sales_due_date, cast(r.first_sales_submitted_at as date))
    end as days_late,
    getvariable('as_of') as as_of_date,
    r.sales_files,
    r.rejected_files,
    r.rows_read,
    r.rows_quarantined,
    r.quarantined_row_share,
    r.sales_lines,
    r.flagged_lines,
    r.out_of_territory_lines,
    r.foreign_batch_lines,
    r.unknown_batch_lines,
    r.flagged_line_share,
    r.floor_priced_lines,
    r.at_or_above_floor_lines,
    r.at_or_above_floor_share,
    r.reported_skus,
    cast(r.reported_qty as decimal(18,4)) as reported_qty,
    cast(r.abs_variance_qty as decimal(18,4)) as abs_variance_qty,
    r.inventory_accuracy,
    r.timeliness_component,
    r.data_quality_component,
    r.diversion_component,
    r.inventory_accuracy_component,
    r.score_components,
    r.composite_score,
    case
        when r.composite_score >= 80 then 'A'
        when r.composite_score >= 60 then 'B'
        when r.composite_score is not null then 'C'
    end as suggested_tier,
    dd.tier as current_tier
from rounded as r
left join rounded as prev
    on prev.dealer_id = r.dealer_id and prev.month = cast((r.month + cast(-1 as bigint) * interval 1 month) as date)
left join rounded as ly
    on ly.dealer_id = r.dealer_id and ly.month = cast((r.month + cast(-12 as bigint) * interval 1 month) as date)
left join hand.dim_dealer as dd
    on dd.dealer_id = r.dealer_id
;

-- marts: fct_diversion_flags
create table hand.fct_diversion_flags as
select
    f.source_file,
    f.source_row,
    f.dealer_id,
    f.sku,
    f.sale_date,
    f.qty,
    f.rule,
    case f.rule
        when 'OUT_OF_TERRITORY' then f.dealer_id || ' sold ' || rtrim(rtrim(cast(f.qty as TEXT), '0'), '.') || ' x ' || f.sku || ' on ' || cast(f.sale_date as TEXT) || ' to a customer in city ' || f.customer_city_code || coalesce(' (' || r.city_name || ')', '') || ', where it held no territory on that date (check the customer address or the territory list).'
        when 'FOREIGN_BATCH' then f.dealer_id || ' sold ' || rtrim(rtrim(cast(f.qty as TEXT), '0'), '.') || ' x ' || f.sku || ' of batch ' || f.batch_no || ' on ' || cast(f.sale_date as TEXT) || ' but had not received that batch by then; it had been delivered to ' || f.source_dealer_ids || ' (ask where the goods came from).'
        else f.dealer_id || ' sold ' || rtrim(rtrim(cast(f.qty as TEXT), '0'), '.') || ' x ' || f.sku || ' of batch ' || f.batch_no || ' on ' || cast(f.sale_date as TEXT) || ', a batch no dealer had received by then (no shipment or opening inventory of it; check the batch number).'
    end as evidence,
    f.source_dealer_ids,
    f.batch_no,
    f.customer_city_code
from int_diversion_flags as f
left join stg_regions as r
    on r.city_code = f.customer_city_code
;

-- marts: fct_price_deviation
create table hand.fct_price_deviation as
select
    source_file,
    source_row,
    dealer_id,
    sku,
    sale_date,
    customer_city_code,
    qty,
    unit_price,
    guide_price,
    floor_price,
    dealer_price,
    case
        when guide_price is not null and guide_price <> 0
            then cast(unit_price - guide_price as double) / cast(guide_price as double)
    end as deviation_pct,
    case when floor_price is not null then unit_price < floor_price end as is_below_floor
from int_sales_lines
;

-- marts: rpt_inventory_alerts
create table hand.rpt_inventory_alerts as
with newest as (
    select *
    from hand.fct_sell_through_monthly
    where month = (select max(month) from hand.fct_sell_through_monthly)
),
classified as (
    select
        n.*,
        case
            when n.weeks_of_cover is not null
                then cast(n.cover_sell_out_qty as double) * 7 / n.cover_days
        end as weekly_sell_out_qty,
        case
            when n.weeks_of_cover is null then 'no_sell_out'
            when n.closing_qty <= 0 then 'out_of_stock'
            when n.weeks_of_cover < 2 then 'low_cover'
            else 'high_cover'
        end as reason
    from newest as n
    where n.weeks_of_cover < 2
       or n.weeks_of_cover > 12
       or (n.weeks_of_cover is null and n.closing_qty > 0 and n.cover_months = 3)
),
worded as (
    select
        c.*,
        case when c.reason in ('out_of_stock', 'low_cover') then 'low' else 'overstock' end as alert_level,
        c.dealer_id || ' holds ' || rtrim(rtrim(cast(c.closing_qty as TEXT), '0'), '.') || ' x ' || c.sku || coalesce(' (' || p.product_name || ')', '') || ' at the end of ' || substr(cast(c.month as TEXT), 1, 7) as holding,
        rtrim(rtrim(cast(cast(round(c.weeks_of_cover, 2) as numeric(28,6)) as TEXT), '0'), '.') as cover_text,
        rtrim(rtrim(cast(cast(round(c.weekly_sell_out_qty, 1) as numeric(28,6)) as TEXT), '0'), '.') as pace_text
    from classified as c
    left join stg_products as p
        on p.sku = c.sku
)
select
    dealer_id,
    sku,
    month,
    alert_level,
    reason,
    closing_qty,
    weeks_of_cover,
    cover_sell_out_qty as sell_out_qty_3m,
    cover_months,
    weekly_sell_out_qty,
    case reason
        when 'low_cover' then holding || ', ' || cover_text || ' weeks of cover at the recent pace of ' || pace_text || ' units a week (under 2): plan a shipment now.'
        when 'out_of_stock' then holding || ' after selling ' || rtrim(rtrim(cast(cover_sell_out_qty as TEXT), '0'), '.') || ' in the last ' || cast(cover_months as TEXT) || ' month(s): it is out of stock (below zero means more was sold than delivered: check for unrecorded deliveries); plan a shipment now.'
        when 'high_cover' then holding || ', ' || cover_text || ' weeks of cover at the recent pace of ' || pace_text || ' units a week (over 12): hold further shipments or plan a promotion.'
        else holding || ' and sold none of it in the last 3 months: the stock is not moving; hold further shipments, check the product is on display or plan a promotion.'
    end as advice
from worded
;

commit;

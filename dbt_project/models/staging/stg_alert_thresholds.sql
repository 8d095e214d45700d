{#- The company's alert thresholds (库存预警值) of the newest alert_thresholds snapshot, an
    optional kind: empty when none was ever sent. A (category, tier) given twice keeps the
    row higher in the file. specificity orders the rows a dealer x sku may match, most
    specific first (docs/marts.md, rpt_inventory_alerts). -#}
select
    category,
    tier,
    low_weeks,
    high_weeks,
    case
        when category <> '*' and tier <> '*' then 1
        when category <> '*' then 2
        when tier <> '*' then 3
        else 4
    end as specificity,
    source_file,
    source_row
from (
    select
        r.*,
        row_number() over (partition by r.category, r.tier order by r.source_row) as rank_in_file
    from ({{ current_rows('alert_thresholds') }}) as r
) as ranked
where rank_in_file = 1

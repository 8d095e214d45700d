{#- One row per current inventory report (dealer x day), whether or not it holds rows: a
    report that does not list a sku says the dealer holds none of it. -#}
select
    source_file,
    dealer_id,
    period_start as report_date,
    submitted_at
from ({{ current_files('inventory', ['dealer_id', 'period_start']) }}) as f

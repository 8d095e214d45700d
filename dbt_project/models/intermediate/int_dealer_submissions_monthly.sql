{#- What each dealer submitted per month: its sales and inventory files by the month they
    report (an inventory report by the month of its day). A file counts as read when its
    rows were read (accepted, partially accepted, or later superseded); a duplicate repeats
    an earlier file and counts nothing. -#}
{%- set read_statuses = "('accepted', 'partially_accepted', 'superseded')" -%}

with dealer_files as (
    select
        dealer_id,
        kind,
        {{ month_start('period_start') }} as month,
        submitted_at,
        status,
        rows_read,
        rows_quarantined
    from {{ ref('stg_submissions') }}
    where kind in ('sales', 'inventory')
      and status <> 'duplicate'
      and dealer_id is not null
      and period_start is not null
),

monthly as (
    select
        dealer_id,
        month,
        sum(case when status in {{ read_statuses }} then 1 else 0 end) as files_read,
        {#- when the dealer reported: the first sales file of the month that was read,
            even if a later version replaced it -#}
        min(case when kind = 'sales' and status in {{ read_statuses }} then submitted_at end) as first_sales_submitted_at,
        sum(case when kind = 'sales' and status in {{ read_statuses }} then 1 else 0 end) as sales_files,
        sum(case when status = 'rejected' then 1 else 0 end) as rejected_files,
        sum(case when status in {{ read_statuses }} then rows_read else 0 end) as rows_read,
        sum(case when status in {{ read_statuses }} then rows_quarantined else 0 end) as rows_quarantined
    from dealer_files
    group by dealer_id, month
)

select
    monthly.*,
    case
        when rows_read > 0
            then cast(rows_quarantined as {{ type_ratio() }}) / cast(rows_read as {{ type_ratio() }})
    end as quarantined_row_share
from monthly

{#- Which monthly reports each active dealer owes and how it delivered them (docs/marts.md,
    Reminders). Two reports per month: the sales file of the month and the inventory report
    dated the month's last day, both due by the end of the 5th of the next month. A report
    counts as received when its first file was read (accepted, partially accepted or later
    superseded) before the end of the as-of date; rejected and duplicate files are not a
    report. Months run from the dealer's first report to the month before the as-of date's
    (the current month is still open). A report not received whose deadline is more than 3
    days away is not yet listed: it is neither due soon nor overdue. -#}
{%- set read_statuses = "('accepted', 'partially_accepted', 'superseded')" -%}
{%- set due_soon_days = 3 -%}

with reports as (
    select
        dealer_id,
        kind,
        {{ month_start('period_start') }} as month,
        period_start,
        submitted_at
    from {{ ref('stg_submissions') }}
    where kind in ('sales', 'inventory')
      and status in {{ read_statuses }}
      and dealer_id is not null
      and period_start is not null
      and submitted_at < cast({{ add_days(as_of_date(), 1) }} as {{ dbt.type_timestamp() }})
),

received as (
    {#- the inventory report of a month is the one dated its last day -#}
    select dealer_id, kind, month, min(submitted_at) as received_at
    from reports
    where kind = 'sales'
       or period_start = {{ add_days(add_months('month', 1), -1) }}
    group by dealer_id, kind, month
),

first_months as (
    select dealer_id, min(month) as first_month
    from reports
    group by dealer_id
),

grid as (
    select
        d.dealer_id,
        {{ add_months('f.first_month', 'i.n') }} as month,
        k.kind
    from {{ ref('stg_dealers') }} as d
    inner join first_months as f
        on f.dealer_id = d.dealer_id
    cross join ({{ integers(3) }}) as i
    cross join (select 'sales' as kind union all select 'inventory' as kind) as k
    where d.status = 'active'
      and {{ add_months('f.first_month', 'i.n') }} < {{ month_start(as_of_date()) }}
),

judged as (
    select
        g.dealer_id,
        g.month,
        g.kind,
        {{ add_days(add_months('g.month', 1), 4) }} as due_date,
        r.received_at
    from grid as g
    left join received as r
        on r.dealer_id = g.dealer_id and r.kind = g.kind and r.month = g.month
),

statused as (
    select
        j.*,
        {#- due by the end of the due day: before 00:00:00 of the day after #}
        case
            when j.received_at < cast({{ add_days('j.due_date', 1) }} as {{ dbt.type_timestamp() }})
                then 'received_on_time'
            when j.received_at is not null then 'received_late'
            when {{ as_of_date() }} > j.due_date then 'overdue'
            when {{ add_days(as_of_date(), due_soon_days) }} >= j.due_date then 'due_soon'
        end as status
    from judged as j
)

select
    s.dealer_id,
    d.dealer_name,
    s.month,
    s.kind,
    s.due_date,
    s.received_at,
    s.status,
    cast(case s.status
        when 'overdue' then {{ dbt.datediff('s.due_date', as_of_date(), 'day') }}
        when 'received_late' then {{ dbt.datediff('s.due_date', 'cast(s.received_at as date)', 'day') }}
        else 0
    end as integer) as days_overdue,
    {{ as_of_date() }} as as_of_date,
    d.contact_email,
    d.manager_email
from statused as s
inner join {{ ref('stg_dealers') }} as d
    on d.dealer_id = s.dealer_id
where s.status is not null

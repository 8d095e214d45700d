{#- Calendar days covering every date the marts speak of: opening inventory, shipments,
    sales, submissions, and campaign windows with their baseline windows; whole months. Of the
    12.5M-odd sales lines only the first and last dates matter, read from the int_sales_lines table.
    Built again only when its inputs moved (macros/incremental.sql, inputs_unchanged): the
    opening inventory, shipments and campaigns files, the first and last month of the sales
    lines and of the submissions. -#}
{{ config(**inputs_config('calendar_inputs')) }}
{% if inputs_unchanged(calendar_inputs()) -%}
select * from {{ this }} where false
{%- else -%}
with dated as (
    select as_of_date as d from {{ ref('stg_opening_inventory') }}
    union all select ship_date from {{ ref('stg_shipments') }}
    union all select min(sale_date) from {{ ref('int_sales_lines') }}
    union all select max(sale_date) from {{ ref('int_sales_lines') }}
    {# a stamp rejected as BAD_SUBMISSION_TIME is no date the marts speak of (a file named
       for 2099 must not stretch the calendar to it) #}
    union all select cast(submitted_at as date) from {{ ref('stg_submissions') }}
    where coalesce(reason_code, '') <> 'BAD_SUBMISSION_TIME'
    union all select start_date from {{ ref('stg_campaigns') }}
    union all select end_date from {{ ref('stg_campaigns') }}
    union all
    select {{ add_days('start_date', '-1 - ' ~ dbt.datediff('start_date', 'end_date', 'day')) }}
    from {{ ref('stg_campaigns') }}
),

bounds as (
    select
        {{ month_start('min(d)') }} as first_day,
        {{ add_days(add_months(month_start('max(d)'), 1), -1) }} as last_day
    from dated
),

days as (
    select {{ add_days('b.first_day', 'i.n') }} as date_day
    from bounds as b
    cross join ({{ integers(5) }}) as i
    where i.n <= {{ dbt.datediff('b.first_day', 'b.last_day', 'day') }}
)

select
    date_day,
    {{ month_start('date_day') }} as month,
    extract(year from date_day) as year,
    extract(quarter from date_day) as quarter,
    extract(month from date_day) as month_of_year,
    extract(day from date_day) as day_of_month,
    date_day = {{ add_days(add_months(month_start('date_day'), 1), -1) }} as is_month_end
from days
{%- endif %}

{#- The dealer scorecard, dealer x month. The composite's weights are set once here and written in
    fct_dealer_scorecard.md; change both together. Price compliance and target attainment are shown
    with no weight: floor deviation is not a penalty (docs/marts.md); attainment is what rebates pay. -#}
{%- set weights = {'timeliness': 0.30, 'data_quality': 0.25,
                   'diversion': 0.25, 'inventory_accuracy': 0.20} -%}
with first_months as (
    {#- a dealer's first month of activity: stock, sell-in or sell-out, or a file that was
        read (a rejected file may come from a dealer not in the master data) -#}
    select dealer_id, min(month) as first_month
    from (
        select dealer_id, month from {{ ref('fct_sell_through_monthly') }}
        union all
        select dealer_id, month from {{ ref('int_dealer_submissions_monthly') }} where files_read > 0
    ) as activity
    group by dealer_id
),

grid as (
    select f.dealer_id, m.month
    from first_months as f
    inner join {{ ref('int_months') }} as m
        on m.month >= f.first_month
),

inventory as (
    select
        dealer_id,
        month,
        count(*) as reported_skus,
        sum(reported_closing_qty) as reported_qty,
        sum(abs(inventory_variance_qty)) as abs_variance_qty
    from {{ ref('fct_sell_through_monthly') }}
    where reported_closing_qty is not null
    group by dealer_id, month
),

monthly as (
    select
        g.dealer_id,
        g.month,
        {{ add_days(add_months('g.month', 1), 4) }} as sales_due_date,
        r.first_sales_submitted_at,
        coalesce(r.sales_files, 0) as sales_files,
        coalesce(r.rejected_files, 0) as rejected_files,
        coalesce(r.rows_read, 0) as rows_read,
        coalesce(r.rows_quarantined, 0) as rows_quarantined,
        r.quarantined_row_share,
        coalesce(s.sales_lines, 0) as sales_lines,
        coalesce(s.sell_out_qty, 0) as sell_out_qty,
        coalesce(s.sell_out_value, 0) as sell_out_value,
        coalesce(s.floor_priced_lines, 0) as floor_priced_lines,
        coalesce(s.at_or_above_floor_lines, 0) as at_or_above_floor_lines,
        s.at_or_above_floor_share,
        coalesce(d.flagged_lines, 0) as flagged_lines,
        coalesce(d.out_of_territory_lines, 0) as out_of_territory_lines,
        coalesce(d.foreign_batch_lines, 0) as foreign_batch_lines,
        coalesce(d.unknown_batch_lines, 0) as unknown_batch_lines,
        i.reported_skus,
        i.reported_qty,
        i.abs_variance_qty
    from grid as g
    left join {{ ref('int_dealer_submissions_monthly') }} as r
        on r.dealer_id = g.dealer_id and r.month = g.month
    left join {{ ref('int_dealer_sales_monthly') }} as s
        on s.dealer_id = g.dealer_id and s.month = g.month
    left join {{ ref('agg_dealer_diversion_monthly') }} as d
        on d.dealer_id = g.dealer_id and d.month = g.month
    left join inventory as i
        on i.dealer_id = g.dealer_id and i.month = g.month
),

measured as (
    select
        m.*,
        {#- due by the end of the due day: before 00:00:00 of the day after -#}
        case
            when m.first_sales_submitted_at is null then
                case when {{ as_of_date() }} > m.sales_due_date then 'missing' else 'not_due' end
            when m.first_sales_submitted_at
                 < cast({{ add_days('m.sales_due_date', 1) }} as {{ dbt.type_timestamp() }}) then 'on_time'
            else 'late'
        end as timeliness,
        case
            when m.sales_lines > 0
                then cast(m.flagged_lines as {{ type_ratio() }}) / cast(m.sales_lines as {{ type_ratio() }})
        end as flagged_line_share,
        case
            when m.reported_skus is null then null
            when m.abs_variance_qty = 0 then cast(1 as {{ type_ratio() }})
            when m.reported_qty <= 0 then cast(0 as {{ type_ratio() }})
            else greatest(
                cast(0 as {{ type_ratio() }}),
                1 - cast(m.abs_variance_qty as {{ type_ratio() }}) / cast(m.reported_qty as {{ type_ratio() }})
            )
        end as inventory_accuracy
    from monthly as m
),

components as (
    select
        ms.*,
        case ms.timeliness
            when 'on_time' then cast(1 as {{ type_ratio() }})
            when 'late' then cast(0.5 as {{ type_ratio() }})
            when 'missing' then cast(0 as {{ type_ratio() }})
        end as timeliness_component,
        1 - ms.quarantined_row_share as data_quality_component,
        1 - ms.flagged_line_share as diversion_component,
        ms.inventory_accuracy as inventory_accuracy_component
    from measured as ms
),

scored as (
    select
        c.*,
        {%- for name in weights %}
        case when c.{{ name }}_component is not null then 1 else 0 end{{ " +" if not loop.last }}
        {%- endfor %} as score_components,
        100 * (
            {%- for name, w in weights.items() %}
            coalesce({{ w }} * c.{{ name }}_component, 0){{ " +" if not loop.last }}
            {%- endfor %}
        ) / nullif(
            {%- for name, w in weights.items() %}
            case when c.{{ name }}_component is not null then {{ w }} else 0 end{{ " +" if not loop.last }}
            {%- endfor %},
            0
        ) as raw_score
    from components as c
),

rounded as (
    select scored.*, cast({{ round_decimal('raw_score', 2) }} as {{ type_ratio() }}) as composite_score
    from scored
)

select
    r.dealer_id,
    r.month,
    cast(r.sell_out_qty as {{ type_qty() }}) as sell_out_qty,
    r.sell_out_value,
    prev.sell_out_value as prev_month_sell_out_value,
    ly.sell_out_value as last_year_sell_out_value,
    case
        when prev.sell_out_value > 0
            then cast(r.sell_out_value - prev.sell_out_value as {{ type_ratio() }})
                 / cast(prev.sell_out_value as {{ type_ratio() }})
    end as sell_out_growth_mom,
    case
        when ly.sell_out_value > 0
            then cast(r.sell_out_value - ly.sell_out_value as {{ type_ratio() }})
                 / cast(ly.sell_out_value as {{ type_ratio() }})
    end as sell_out_growth_yoy,
    r.sales_due_date,
    r.first_sales_submitted_at,
    r.timeliness,
    case
        when r.timeliness = 'late'
            then {{ dbt.datediff('r.sales_due_date', 'cast(r.first_sales_submitted_at as date)', 'day') }}
    end as days_late,
    {{ as_of_date() }} as as_of_date,
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
    cast(r.reported_qty as {{ type_qty() }}) as reported_qty,
    cast(r.abs_variance_qty as {{ type_qty() }}) as abs_variance_qty,
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
    dd.tier as current_tier,
    ta.target_attainment,
    coalesce(cv.active_customers, 0) as active_customers, coalesce(cv.new_customers, 0) as new_customers,
    coalesce(cv.cities_covered, 0) as cities_covered
from rounded as r
left join rounded as prev on prev.dealer_id = r.dealer_id and prev.month = {{ add_months('r.month', -1) }}
left join rounded as ly on ly.dealer_id = r.dealer_id and ly.month = {{ add_months('r.month', -12) }}
left join {{ ref('dim_dealer') }} as dd on dd.dealer_id = r.dealer_id
left join {{ ref('int_dealer_target_months') }} as ta on ta.dealer_id = r.dealer_id and ta.month = r.month
left join {{ ref('agg_dealer_coverage_monthly') }} as cv on cv.dealer_id = r.dealer_id and cv.month = r.month

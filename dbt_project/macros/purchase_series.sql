{#- A customer's purchase series per category, from `purchase_days` (a relation of
    customer_key, category, sale_date; a day may repeat): its number of purchase days, the
    last one, and the median gap in days between consecutive ones; only series of at least
    three days (rpt_customer_repurchase_due). -#}
{% macro purchase_series(purchase_days) -%}
    {{ return(adapter.dispatch('purchase_series', 'dcw')(purchase_days)) }}
{%- endmacro %}

{#- DuckDB: each series as one sorted list of its days, the gaps and their median taken from
    the list. A lag() window over every purchase day sorts the whole history, which at scale L
    (58M purchase days) spilled more than 30 GB to disk; the lists fit the memory bound
    (bench/README.md, "Memory at L"). -#}
{% macro duckdb__purchase_series(purchase_days) -%}
    select
        customer_key,
        category,
        len(days) as purchase_dates,
        days[len(days)] as last_purchase_date,
        list_median([days[i + 1] - days[i] for i in range(1, len(days))]) as median_interval_days
    from (
        select customer_key, category, array_sort(list(distinct sale_date)) as days
        from {{ purchase_days }}
        group by customer_key, category
    ) as d
    where len(days) >= 3
{%- endmacro %}

{#- Elsewhere (Spark has no median of an array): the gap to the previous day by a window. -#}
{% macro default__purchase_series(purchase_days) -%}
    select
        customer_key,
        category,
        count(*) as purchase_dates,
        max(sale_date) as last_purchase_date,
        median(gap_days) as median_interval_days
    from (
        select
            customer_key,
            category,
            sale_date,
            {{ dbt.datediff('lag(sale_date) over (partition by customer_key, category order by sale_date)', 'sale_date', 'day') }}
                as gap_days
        from (select distinct customer_key, category, sale_date from {{ purchase_days }}) as days
    ) as gaps
    group by customer_key, category
    having count(*) >= 3
{%- endmacro %}

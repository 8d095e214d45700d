select
    city_code,
    city_name,
    province,
    region
from {{ ref('stg_regions') }}

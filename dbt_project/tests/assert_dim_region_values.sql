-- A city code is six digits (the national administrative division code).
select city_code
from {{ ref('dim_region') }}
where {{ dbt.length('city_code') }} <> 6
   or translate(city_code, '0123456789', '') <> ''

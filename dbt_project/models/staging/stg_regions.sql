select
    city_code,
    city_name,
    province,
    region,
    source_file,
    source_row
from ({{ current_rows('regions') }}) as r

{% macro lower_col(col) -%}
lower({{ col }})
{%- endmacro %}

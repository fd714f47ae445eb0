{% macro cents(col) -%}
cast(round({{ col }} * 100) as integer)
{%- endmacro %}

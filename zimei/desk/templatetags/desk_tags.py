from django import template

register = template.Library()


@register.filter
def get(mapping: dict, key: object) -> object:
    """`{{ errors|get:a.id }}`: a dict entry by a variable key (None when missing)."""
    return mapping.get(key) if mapping else None

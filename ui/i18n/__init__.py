"""Every visible string of the app in Chinese and English, kept by area (common, explore, boards,
finance, admin, data: one module each, merged here). Metric and dimension labels, descriptions and member
labels come from the indicator library instead."""

from __future__ import annotations

from ui.i18n import admin, boards, common, custom, data, explore, finance, plan

LANGUAGES = {"zh": "简体中文", "en": "English"}

AREAS = (common, explore, boards, finance, admin, data, custom, plan)
MESSAGES: dict[str, dict[str, str]] = {}
for _area in AREAS:
    _twice = MESSAGES.keys() & _area.MESSAGES.keys()
    if _twice:
        raise ValueError(f"messages defined in two areas: {sorted(_twice)}")
    MESSAGES.update(_area.MESSAGES)


def text(key: str, lang: str = "en", **values) -> str:
    entry = MESSAGES.get(key)
    if entry is None:  # a missing key shows itself rather than crashing the page
        return key
    template = entry.get(lang) or entry["en"]
    return template.format(**values) if values else template


def label(spec, lang: str) -> str:
    """A library label ({en, zh}) in `lang`."""
    if spec is None:
        return ""
    data = spec.model_dump() if hasattr(spec, "model_dump") else dict(spec)
    return data.get(lang) or data.get("en") or ""

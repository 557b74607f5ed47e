"""The learner's language for the library's own words: checker feedback, figure text, explorer labels.

English is the default; a notebook of the Chinese edition says so in its first code cell::

    from chanlab import i18n; i18n.set_language("zh_CN")

The words go through the standard library's :mod:`gettext` (domain ``chanlab``, catalogues in
``chanlab/locale/<language>/LC_MESSAGES/chanlab.mo``). Library code marks a learner-facing string with
:func:`_` and fills it with named placeholders, so that a translator sees the whole sentence::

    from ..i18n import _
    summary = _("{sent} of {total} messages arrived.").format(sent=sent, total=total)

A sentence is never glued together from translated pieces: word order differs between languages.
The ``.po`` catalogue is extracted with babel (``python tools/i18n.py library``), which also compiles
the ``.mo`` that is committed beside it (tests/test_i18n.py proves the two agree).
"""
from __future__ import annotations

import gettext
from pathlib import Path

__all__ = ["LANGUAGES", "set_language", "get_language", "_", "N_"]

DOMAIN = "chanlab"
LOCALE = Path(__file__).resolve().parent / "locale"
LANGUAGES = {"en": "English", "zh_CN": "简体中文 (Simplified Chinese)"}

_state = {"language": "en", "catalogue": gettext.NullTranslations()}


def set_language(language: str = "en") -> None:
    """Speak ``language`` (``"en"`` or ``"zh_CN"``) from now on.

    Chinese also registers the series' CJK font with matplotlib (:func:`chanlab.fonts.use_cjk_font`),
    so that figure titles and labels in Chinese render. A language the series has no catalogue for
    is a ``ValueError``, never a silent fallback to English.
    """
    if not isinstance(language, str):
        raise TypeError(f"language must be a str such as 'zh_CN', got {language!r} "
                        f"({type(language).__name__})")
    if language not in LANGUAGES:
        raise ValueError(f"language must be one of {', '.join(map(repr, LANGUAGES))}, got {language!r}")
    if language == "en":
        catalogue = gettext.NullTranslations()
    else:
        catalogue = gettext.translation(DOMAIN, LOCALE, languages=[language])
        from .fonts import use_cjk_font

        use_cjk_font()
    _state.update(language=language, catalogue=catalogue)


def get_language() -> str:
    """The language the library speaks now (``"en"`` until :func:`set_language` says otherwise)."""
    return _state["language"]


def _(message: str) -> str:
    """``message`` in the current language (itself in English, or when it has no translation).
    The empty string stays empty (gettext would return the catalogue's header for it)."""
    return _state["catalogue"].gettext(message) if message else message


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it yet (gettext's ``gettext_noop``): for a
    default argument, translated with :func:`_` when it is used, in the language of that moment."""
    return message

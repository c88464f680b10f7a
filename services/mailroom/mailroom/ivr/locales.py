"""The voice Twilio's <Say> speaks in: a message's locale (goflow's, e.g. "eng-US" or "und-US") or the
workspace's default, matched against the languages Twilio supports (https://www.twilio.com/docs/voice/twiml/say)."""

from collections.abc import Iterable

import pycountry

SUPPORTED = (
    "af-ZA ar-AE ar-XA arb bg-BG ca-ES cmn-CN cmn-TW cs-CZ cy-GB da-DK de-AT de-DE el-GR en-AU en-GB en-IN "
    "en-NZ en-US en-ZA es-ES es-MX es-US eu-ES fi-FI fil-PH fr-CA fr-FR gl-ES he-IL hi-IN hu-HU id-ID is-IS "
    "it-IT ja-JP ko-KR lt-LT lv-LV ml-IN mr-IN ms-MY nb-NO nl-BE nl-NL pa-IN pl-PL pt-BR pt-PT ro-RO ru-RU "
    "sk-SK sr-RS sv-SE ta-IN te-IN th-TH tr-TR uk-UA vi-VN yue-CN yue-HK"
).split()
# the variant a bare language gets, where the language's own country is not among them
PREFERRED = {"en": "en-US", "es": "es-ES", "pt": "pt-BR", "ar": "ar-AE", "zh": "cmn-CN", "cmn": "cmn-CN"}
# the language a locale without one ("und-US") is spoken in, for the countries Twilio has voices of
COUNTRY_LANGUAGE = {"US": "en", "GB": "en", "AU": "en", "NZ": "en", "IN": "en", "ZA": "en", "CA": "en",
                    "KE": "en", "NG": "en", "GH": "en", "UG": "en", "RW": "en", "FR": "fr", "ES": "es",
                    "MX": "es", "BR": "pt", "PT": "pt", "DE": "de", "IT": "it", "NL": "nl"}  # fmt: skip


def _two_letter(code: str) -> str:
    if len(code) != 3 or code == "und":
        return code
    lang = pycountry.languages.get(alpha_3=code)
    return str(getattr(lang, "alpha_2", code)) if lang else code


def _match(lang: str, country: str) -> str:
    if f"{lang}-{country}" in SUPPORTED:
        return f"{lang}-{country}"
    if lang in SUPPORTED:
        return lang
    if f"{lang}-{lang.upper()}" in SUPPORTED:
        return f"{lang}-{lang.upper()}"
    if lang in PREFERRED:
        return PREFERRED[lang]
    return next((s for s in SUPPORTED if s.split("-")[0] == lang), "")


def say_language(locales: Iterable[str]) -> str:
    """The first of the locales Twilio can speak, as BCP 47; "" (Twilio's default voice) if none."""
    for locale in locales:
        if not locale:
            continue
        lang, _, country = locale.partition("-")
        lang = _two_letter(lang.lower())
        if lang == "und":
            lang = COUNTRY_LANGUAGE.get(country.upper(), "")
            if not lang:
                continue
        if found := _match(lang, country.upper()):
            return found
    return ""

"""Text helpers shared by handlers: splitting long messages as the reference does, GSM7 checks and the
"smart" substitution of typographic characters with GSM7 ones."""

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = "^{}\\[~]|€\f"
_GSM7 = set(GSM7_BASIC) | set(GSM7_EXTENDED)

# typographic characters phones don't need, replaced before sending when a channel asks for "smart" encoding
_SMART = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
    "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2012": "-", "\u2010": "-", "\u2011": "-",
    "\u2026": "...", "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\u2009": " ", "\u200b": "",
    "\u00ab": '"', "\u00bb": '"', "\u2039": "'", "\u203a": "'", "\u00b4": "'", "`": "'",
    "\u2022": "-", "\u00b7": "-",
}  # fmt: skip


def is_gsm7(text: str) -> bool:
    return all(c in _GSM7 for c in text)


def replace_non_gsm7(text: str) -> str:
    """Swap typographic characters for GSM7 look-alikes; other characters are kept."""
    return "".join(_SMART.get(c, c) for c in text)


def split_text(text: str, max_length: int) -> list[str]:
    """Split at whitespace near the limit (within 6 characters of it), else hard at the limit: the
    reference's algorithm, so parts match what providers saw from it."""
    if max_length <= 0 or len(text) <= max_length:
        return [text]
    parts: list[str] = []
    part: list[str] = []
    for ch in text:
        part.append(ch)
        if len(part) == max_length or (len(part) > max_length - 6 and ch.isspace()):
            parts.append("".join(part).strip())
            part = []
    if part:
        parts.append("".join(part).strip())
    return [p for p in parts if p] or [""]


def text_and_attachments(text: str, attachments: list[str]) -> str:
    """Simple SMS handlers send attachment URLs on new lines after the text."""
    urls = [a.partition(":")[2] for a in attachments]
    return "\n".join([text, *urls]) if text else "\n".join(urls)

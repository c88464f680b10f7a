"""What fits on a USSD screen: 182 characters (GSM 03.90's USSD string, 160 octets of 7-bit characters).

Flow inspection reports a message that cannot fit (issue `ussd_screen`, naming the node); at run time a longer
answer is cut with a visible marker rather than refused by the network.
"""

from __future__ import annotations

MAX_SCREEN = 182
CUT_MARKER = " [...]"


def menu(text: str, quick_replies: list[str]) -> str:
    """A message's text with its quick replies as numbered options (USSD has no buttons)."""
    if not quick_replies:
        return text
    options = "\n".join(f"{i}. {qr}" for i, qr in enumerate(quick_replies, start=1))
    return f"{text}\n{options}" if text else options


def fit(text: str) -> tuple[str, bool]:
    """The text as shown, and whether it was cut to fit the screen."""
    if len(text) <= MAX_SCREEN:
        return text, False
    return text[: MAX_SCREEN - len(CUT_MARKER)].rstrip() + CUT_MARKER, True


def choose(reply: str, quick_replies: list[str]) -> str:
    """The quick reply a numbered choice stands for ("2" -> "No"); anything else is the reply as typed."""
    value = reply.strip()
    if value.isdigit() and 1 <= int(value) <= len(quick_replies):
        return quick_replies[int(value) - 1]
    return reply

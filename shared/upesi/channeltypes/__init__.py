"""Channel types, each declared once: its code, name, URN schemes, what its address is, the config fields
its handler reads (with their form labels) and the callback URLs a provider is given.

One module per provider family (as courier's handlers/<family>.py), each exposing `TYPES`. Courier's handler
for a family registers its behaviour against these codes, and the claim forms, the channel type names, the
default schemes and the callback URLs all derive from here. The core holds the declarations because web,
courier and the CLI all read them and the core imports no service.

    ChannelType(code="NX", name="Vonage", address_label="Phone number",
                config=(ConfigField("nexmo_api_key", "API key"), ConfigField("nexmo_api_secret", "API secret")),
                callbacks=("receive", "status"))
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from upesi.config import get_settings

# the config key of the secret we register with a provider's webhook and check on every callback
WEBHOOK_SECRET = "webhook_secret"
# the IVR callbacks a provider is given (the call's own /handle URL is given with each call)
IVR_CALLBACKS = ("incoming", "status")


@dataclass(frozen=True)
class ConfigField:
    key: str  # the key in channels.config that the handler reads
    label: str  # the claim form's label
    default: str = ""
    multiline: bool = False  # a textarea on the forms (a PEM key)


class ConfigRefused(ValueError):
    """The provider refused a channel's config when asked (a Telegram token getMe does not know)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# asks the provider whether a config works before a channel is added or its config changed; raises
# ConfigRefused naming the field
ConfigCheck = Callable[[dict[str, str]], Awaitable[None]]


@dataclass(frozen=True, kw_only=True)
class ChannelType:
    code: str  # channels.channel_type, e.g. "T"
    name: str  # e.g. "Twilio"
    address_label: str  # what the channel's address is, on the claim form
    config: tuple[ConfigField, ...] = ()
    schemes: tuple[str, ...] = ("tel",)
    # the actions under /c/{slug}/{channel uuid}/{action} whose URLs the provider is given
    callbacks: tuple[str, ...] = ("receive",)
    # a platform-wide webhook instead (Meta's one per app, not per channel): /c/{webhook}/receive
    webhook: str | None = None
    # the provider echoes a secret we register with its webhook (Telegram's secret_token): add_channel makes
    # one (config[WEBHOOK_SECRET]) and the handler checks it
    webhook_secret: bool = False
    # the {slug} of its callback URLs when it is not the lower-cased code (AT USSD answers at /c/at/...)
    url_slug: str = ""
    # channels.role: S send, R receive, U USSD (answers only within a USSD session, never sends)
    role: str = "SR"
    # the type carries voice calls (mailroom.ivr has its service): its channels get the call and answer
    # roles, and the provider is given the IVR callbacks at RapidPro's /mr/ivr/c/{uuid}/{incoming,status}
    ivr: bool = False
    # asked before a channel of this type is added or its config changed (see ConfigCheck)
    check: ConfigCheck | None = None
    # config keys a channel of a voice type needs to carry calls (Vonage's application): without them it
    # gets no call or answer role, so that a start never picks it to place calls it cannot place
    voice_config: tuple[str, ...] = ()

    @property
    def roles(self) -> str:
        """channels.role for a new channel: its declared role, with C call and A answer for voice types."""
        return self.role + "CA" if self.ivr else self.role

    def roles_for(self, config: dict[str, object]) -> str:
        """channels.role for a new channel with this config (voice roles only with its voice config)."""
        if self.ivr and not all(config.get(k) for k in self.voice_config):
            return self.role
        return self.roles

    @property
    def slug(self) -> str:
        return self.url_slug or self.code.lower()

    def callback_urls(self, channel_uuid: str, base: str | None = None) -> dict[str, str]:
        base = (base or get_settings().courier_url).rstrip("/")
        if self.webhook:
            return {"receive": f"{base}/c/{self.webhook}/receive"}
        urls = {action: f"{base}/c/{self.slug}/{channel_uuid}/{action}" for action in self.callbacks}
        if self.ivr:
            urls.update({f"voice_{a}": f"{base}/mr/ivr/c/{channel_uuid}/{a}" for a in IVR_CALLBACKS})
        return urls


def _load() -> dict[str, ChannelType]:
    """Every family module of this package, in name order; a code declared twice is an error."""
    found: dict[str, ChannelType] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for channel_type in module.TYPES:
            if channel_type.code in found:
                raise RuntimeError(f"channel type {channel_type.code} declared twice")
            found[channel_type.code] = channel_type
    return found


CHANNEL_TYPES: dict[str, ChannelType] = _load()
TYPE_NAMES: dict[str, str] = {code: t.name for code, t in CHANNEL_TYPES.items()}


def codes(types: tuple[ChannelType, ...]) -> tuple[str, ...]:
    """The codes of a family's types, which its courier handler registers against."""
    return tuple(t.code for t in types)


def get_channel_type(code: str) -> ChannelType | None:
    return CHANNEL_TYPES.get(code.upper())


def callback_urls(code: str, channel_uuid: str, base: str | None = None) -> dict[str, str]:
    """The URLs to give the provider for a channel; a type we do not know gets its receive URL."""
    channel_type = get_channel_type(code) or ChannelType(code=code.upper(), name=code, address_label="")
    return channel_type.callback_urls(channel_uuid, base)

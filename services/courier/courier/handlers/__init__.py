"""The handler registry: channel type code -> handler, one module per provider family."""

from courier.handlers.base import Handler


def _build() -> dict[str, Handler]:
    from courier.handlers.africastalking import AfricasTalkingHandler
    from courier.handlers.external import ExternalHandler
    from courier.handlers.kannel import KannelHandler
    from courier.handlers.meta import MetaHandler
    from courier.handlers.telegram import TelegramHandler
    from courier.handlers.twilio import TwilioHandler
    from courier.handlers.vonage import VonageHandler

    registry: dict[str, Handler] = {}
    for handler in (
        ExternalHandler(),
        TwilioHandler(),
        MetaHandler(),
        TelegramHandler(),
        KannelHandler(),
        VonageHandler(),
        AfricasTalkingHandler(),
    ):
        for code in handler.channel_types:
            registry[code] = handler
    return registry


_REGISTRY: dict[str, Handler] | None = None


def registry() -> dict[str, Handler]:
    global _REGISTRY
    if _REGISTRY is None:
        _REGISTRY = _build()
    return _REGISTRY


def get_handler(channel_type: str) -> Handler | None:
    return registry().get(channel_type.upper())

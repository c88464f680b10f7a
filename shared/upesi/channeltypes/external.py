"""External API (EX): a generic HTTP gateway; its handler is courier/handlers/external.py."""

from upesi.channeltypes import ChannelType, ConfigField

EX = ChannelType(
    code="EX",
    name="External API",
    address_label="Phone number or short code",
    config=(
        ConfigField("send_url", "Send URL"),
        ConfigField("send_method", "Send method (GET, POST, PUT)", "POST"),
        ConfigField("content_type", "Content type (urlencoded, json, xml)", "urlencoded"),
        ConfigField("send_authorization", "Authorization header (optional)"),
    ),
    callbacks=("receive", "sent", "delivered", "failed", "stopped"),
)

TYPES = (EX,)

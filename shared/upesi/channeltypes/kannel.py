"""Kannel (KN); its handler is courier/handlers/kannel.py."""

from upesi.channeltypes import ChannelType, ConfigField

KN = ChannelType(
    code="KN",
    name="Kannel",
    address_label="Phone number or short code",
    config=(
        ConfigField("send_url", "Send URL"),
        ConfigField("username", "Username"),
        ConfigField("password", "Password"),
    ),
    callbacks=("receive", "status"),
)

TYPES = (KN,)

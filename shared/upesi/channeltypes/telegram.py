"""Telegram (TG); its handler is courier/handlers/telegram.py."""

from upesi.channeltypes import ChannelType, ConfigField

TG = ChannelType(
    code="TG",
    name="Telegram",
    address_label="Bot username",
    config=(ConfigField("auth_token", "Bot token"),),
    schemes=("telegram",),
    webhook_secret=True,
)

TYPES = (TG,)

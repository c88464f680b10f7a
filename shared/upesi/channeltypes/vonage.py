"""Vonage, formerly Nexmo (NX): SMS through courier/handlers/vonage.py and, with a Vonage application (its
id and private key), voice calls through mailroom/ivr/vonage.py. Config names as RapidPro's VonageType."""

from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from upesi.channeltypes import ChannelType, ConfigField, ConfigRefused

# the voice application's keys: without them a Vonage channel carries messages only (no call, no answer role)
APP_ID = "nexmo_app_id"
APP_PRIVATE_KEY = "nexmo_app_private_key"


async def check_voice_application(config: dict[str, str]) -> None:
    """Both of the voice application's keys or neither, and a private key mailroom can sign its JWTs with:
    refused here, naming the field, rather than as a failed call later."""
    app_id, pem = config.get(APP_ID, ""), config.get(APP_PRIVATE_KEY, "")
    if pem and not app_id:
        raise ConfigRefused(APP_ID, "The voice application's ID is needed with its private key.")
    if app_id and not pem:
        raise ConfigRefused(APP_PRIVATE_KEY, "The voice application's private key is needed with its ID.")
    if pem:
        try:
            key = load_pem_private_key(pem.encode(), password=None)
        except (ValueError, TypeError):
            key = None
        if not isinstance(key, RSAPrivateKey):
            raise ConfigRefused(
                APP_PRIVATE_KEY, "Not an RSA private key in PEM (-----BEGIN PRIVATE KEY-----)."
            )


NX = ChannelType(
    code="NX",
    name="Vonage",
    address_label="Phone number",
    config=(
        ConfigField("nexmo_api_key", "API key"),
        ConfigField("nexmo_api_secret", "API secret"),
        ConfigField(APP_ID, "Voice application ID (blank: no calls)"),
        ConfigField(APP_PRIVATE_KEY, "Voice application private key (PEM)", multiline=True),
        ConfigField(
            "nexmo_signature_secret", "Signature secret (blank: Vonage's signed webhooks not checked)"
        ),
        ConfigField("base_url", "Voice API base URL (blank: https://api.nexmo.com)"),
        ConfigField("max_concurrent_calls", "Maximum concurrent calls (blank: no limit)"),
        ConfigField("machine_detection", "Hang up on answering machines (any value: yes)"),
    ),
    callbacks=("receive", "status"),
    ivr=True,
    voice_config=(APP_ID, APP_PRIVATE_KEY),
    check=check_voice_application,
)

TYPES = (NX,)

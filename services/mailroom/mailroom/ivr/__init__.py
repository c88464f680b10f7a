"""IVR: voice flows run against phone calls. A provider service per channel family (services.py: TwiML for
Twilio, TwiML API and SignalWire), the calls record (calls.py), the provider callbacks (web.py, reached
through courier's public port), placing outgoing calls with throttling and retries (outgoing.py) and the
channel logs of every provider exchange (clogs.py)."""

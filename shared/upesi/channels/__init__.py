"""Facts about channels that every service needs (callback URLs a provider is given)."""

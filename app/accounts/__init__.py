"""Player accounts: sign-in (providers, guests, dev), sessions and tokens, users.

Routes live in `app.api.v1.auth` and `app.api.v1.me`; this package does the
work and raises `AccountsError` subclasses, which the API maps to problem documents.
"""

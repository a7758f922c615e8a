"""Player accounts: sign-in, sessions, users, collections and decks."""

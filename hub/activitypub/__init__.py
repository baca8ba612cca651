"""The ActivityPub protocol as plain dicts; knows nothing of the hub's database."""

"""Real fediverse peers for tests/test_peers.py: the scripts run in .peers/, the helpers here."""

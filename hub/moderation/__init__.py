"""Moderation: domain and account blocks, reports, coop suspension, reply moderation, audit."""


class ModerationError(Exception):
    """A moderation request cannot be carried out as asked; one readable line."""

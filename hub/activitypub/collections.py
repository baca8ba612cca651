"""OrderedCollection documents with keyset paging (`first`, `next`)."""

from __future__ import annotations

from collections.abc import Sequence

from hub.activitypub.vocab import AS_CONTEXT


def ordered_collection(collection_id: str, total: int, first_page: str) -> dict[str, object]:
    """The collection itself: its size and a link to its first page."""
    return {
        "@context": AS_CONTEXT,
        "id": collection_id,
        "type": "OrderedCollection",
        "totalItems": total,
        "first": first_page,
    }


def ordered_collection_page(
    page_id: str, collection_id: str, items: Sequence[object], next_page: str | None
) -> dict[str, object]:
    """One page of a collection; `next` only when more items follow."""
    page: dict[str, object] = {
        "@context": AS_CONTEXT,
        "id": page_id,
        "type": "OrderedCollectionPage",
        "partOf": collection_id,
        "orderedItems": list(items),
    }
    if next_page is not None:
        page["next"] = next_page
    return page

"""HTTP signatures, signed and verified for real (SECURITY-CHECKLIST.md section 1, rows S1-S29).

The helpers here build signing strings and signature bases on their own, independently of
hub.activitypub.signatures, so a format drift on either side shows up as a failure.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from hub.activitypub.signatures import (
    PublicKey,
    SignatureError,
    load_private_key,
    sign_get,
    sign_post,
    signature_key_id,
    verify_request,
)

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
HTTP_NOW = "Sat, 01 Mar 2025 12:00:00 GMT"
HOST = "hub.test"
OWNER = "https://remote.test/users/alice"
KEY_ID = f"{OWNER}#main-key"
BODY = b'{"type":"Follow","actor":"https://remote.test/users/alice"}'
POST_COVERED = ["(request-target)", "host", "date", "digest"]
GET_COVERED = ["(request-target)", "host", "date"]
Key = rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey


@cache
def rsa_key(number: int) -> rsa.RSAPrivateKey:
    """A generated RSA key, one per number, made once per test run."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@cache
def ed_key() -> ed25519.Ed25519PrivateKey:
    """A generated Ed25519 key."""
    return ed25519.Ed25519PrivateKey.generate()


def private_pem(key: rsa.RSAPrivateKey) -> str:
    """PKCS#8 PEM of a private key."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


def public_key(key: Key, key_id: str = KEY_ID) -> PublicKey:
    """What a key lookup would return for this key."""
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return PublicKey(key_id=key_id, owner=OWNER, pem=pem.decode())


def sign_bytes(key: Key, message: str) -> bytes:
    """RSASSA-PKCS1-v1_5 with SHA-256, or Ed25519."""
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())
    return key.sign(message.encode())


def b64(data: bytes) -> str:
    """Standard base64 as text."""
    return base64.b64encode(data).decode()


def http_date(moment: datetime) -> str:
    """An IMF-fixdate."""
    return moment.strftime("%a, %d %b %Y %H:%M:%S GMT")


class Keys:
    """A fake key lookup that records its calls."""

    def __init__(self, first: PublicKey | None, refreshed: PublicKey | None = None) -> None:
        self.first, self.refreshed = first, refreshed or first
        self.calls: list[tuple[str, bool]] = []

    async def __call__(self, key_id: str, refresh: bool) -> PublicKey | None:
        self.calls.append((key_id, refresh))
        return self.refreshed if refresh else self.first


def base_headers(method: str = "POST", body: bytes = BODY, date: datetime = NOW) -> dict[str, str]:
    """The headers a peer sends before signing."""
    headers = {"Host": HOST, "Date": http_date(date), "Content-Type": "application/activity+json"}
    if method == "POST":
        headers["Digest"] = "SHA-256=" + b64(hashlib.sha256(body).digest())
    return headers


def cavage(
    headers: dict[str, str],
    covered: list[str],
    *,
    method: str = "POST",
    target: str = "/inbox",
    key: Key | None = None,
    algorithm: str | None = "rsa-sha256",
    params: dict[str, str] | None = None,
) -> dict[str, str]:
    """Headers plus a draft-cavage Signature, signing string built here from the draft."""
    params = params or {}
    lowered = {name.lower(): value for name, value in headers.items()}
    lines = []
    for name in covered:
        if name == "(request-target)":
            lines.append(f"{name}: {method.lower()} {target}")
        elif name.startswith("("):
            lines.append(f"{name}: {params[name[1:-1]]}")
        else:
            lines.append(f"{name}: {lowered[name]}")
    signature = b64(sign_bytes(key or rsa_key(1), "\n".join(lines)))
    parts = [f'keyId="{KEY_ID}"']
    parts += [f'algorithm="{algorithm}"'] if algorithm else []
    parts += [f'headers="{" ".join(covered)}"', f'signature="{signature}"']
    parts += [f"{name}={value}" for name, value in params.items()]
    return {**headers, "Signature": ",".join(parts)}


def signed_post(**kwargs: Any) -> dict[str, str]:
    """A correctly signed inbox POST's headers (options as for `cavage`)."""
    return cavage(base_headers(), kwargs.pop("covered", POST_COVERED), **kwargs)


def rfc9421(
    headers: dict[str, str],
    components: list[str],
    *,
    method: str = "POST",
    url: str = f"https://{HOST}/inbox",
    key: Key | None = None,
    created: int | None = int(NOW.timestamp()),
    expires: int | None = None,
    alg: str | None = "rsa-v1_5-sha256",
) -> dict[str, str]:
    """Headers plus RFC 9421 Signature-Input and Signature, the base built here from the RFC."""
    scheme, rest = url.split("://")
    authority, _, target = rest.partition("/")
    path, _, query = f"/{target}".partition("?")
    values = {name.lower(): value for name, value in headers.items()}
    values |= {"@method": method, "@target-uri": url, "@authority": authority}
    values |= {"@path": path, "@query": f"?{query}", "@scheme": scheme}
    params = f";created={created}" if created is not None else ""
    params += f";expires={expires}" if expires is not None else ""
    params += f';keyid="{KEY_ID}"' + (f';alg="{alg}"' if alg else "")
    inner = "(" + " ".join(f'"{name}"' for name in components) + ")" + params
    lines = [f'"{name}": {values[name]}' for name in components]
    signature = sign_bytes(key or rsa_key(1), "\n".join([*lines, f'"@signature-params": {inner}']))
    return {**headers, "Signature-Input": f"sig1={inner}", "Signature": f"sig1=:{b64(signature)}:"}


def rfc9421_post(body: bytes = BODY, **kwargs: Any) -> dict[str, str]:
    """A correctly signed RFC 9421 inbox POST's headers (options as for `rfc9421`)."""
    headers = {"Host": HOST, "Content-Type": "application/activity+json"}
    headers["Content-Digest"] = f"sha-256=:{b64(hashlib.sha256(body).digest())}:"
    components = ["@method", "@target-uri", "content-digest", "content-type"]
    return rfc9421(headers, kwargs.pop("components", components), **kwargs)


async def verify(
    headers: dict[str, str],
    lookup: Keys | None = None,
    *,
    method: str = "POST",
    target: str = "/inbox",
    body: bytes | None = BODY,
    now: datetime = NOW,
) -> PublicKey:
    """verify_request against our host with the default key."""
    lookup = lookup or Keys(public_key(rsa_key(1)))
    return await verify_request(method, target, headers, body, HOST, lookup, now=now)


async def rejected(headers: dict[str, str], match: str, **kwargs: Any) -> Keys:
    """verify_request raises SignatureError matching `match`; returns the lookup to inspect."""
    lookup = kwargs.pop("lookup", None) or Keys(public_key(rsa_key(1)))
    with pytest.raises(SignatureError, match=match):
        await verify(headers, lookup, **kwargs)
    return lookup


# --- draft-cavage: the happy paths ---------------------------------------------------------


async def test_rsa_sha256_signed_post_is_accepted_and_returns_the_key() -> None:
    key = await verify(signed_post())
    assert (key.key_id, key.owner) == (KEY_ID, OWNER)


async def test_hs2019_with_an_rsa_key_is_accepted() -> None:
    assert (await verify(signed_post(algorithm="hs2019"))).key_id == KEY_ID


async def test_missing_algorithm_is_treated_as_hs2019() -> None:
    assert (await verify(signed_post(algorithm=None))).key_id == KEY_ID


async def test_hs2019_with_an_ed25519_pem_key_is_accepted() -> None:
    lookup = Keys(public_key(ed_key()))
    headers = signed_post(algorithm="hs2019", key=ed_key())
    assert (await verify(headers, lookup)).key_id == KEY_ID


async def test_rsa_sha256_made_with_an_ed25519_key_is_rejected() -> None:
    headers = signed_post(key=ed_key())
    await rejected(headers, "does not verify", lookup=Keys(public_key(ed_key())))


async def test_header_names_are_case_insensitive() -> None:
    headers = {name.lower(): value for name, value in signed_post().items()}
    assert (await verify(headers)).owner == OWNER


async def test_host_header_is_compared_case_insensitively() -> None:
    headers = signed_post()
    assert (
        await verify_request(
            "POST", "/inbox", headers, BODY, "HUB.test", Keys(public_key(rsa_key(1))), NOW
        )
    ).owner == OWNER


# --- S1-S4: unsigned, unparsable, incomplete, wrong algorithm ------------------------------


async def test_unsigned_request_is_rejected_as_not_signed() -> None:  # S1
    lookup = await rejected(base_headers(), r"^Request not signed$")
    assert lookup.calls == []
    with pytest.raises(SignatureError, match=r"^Request not signed$"):
        signature_key_id(base_headers())


MALFORMED = [
    "keyId",  # no "="
    f'keyId="{KEY_ID},algorithm="rsa-sha256",headers="date",signature="AAAA"',  # unbalanced
    f'keyId="{KEY_ID}",signature="AAAA',  # unterminated quote
    f'keyId="{KEY_ID}",keyId="https://evil.test/k",headers="date",signature="AAAA"',  # duplicate
    f'keyId={KEY_ID},signature="AAAA"',  # unquoted value
    f'keyId="{KEY_ID}" signature="AAAA"',  # no comma
    "",
]


@pytest.mark.parametrize("header", MALFORMED)
async def test_unparsable_signature_header_is_rejected_without_key_fetch(header: str) -> None:  # S2
    headers = {**signed_post(), "Signature": header}
    lookup = await rejected(headers, "Signature header")
    assert lookup.calls == []
    with pytest.raises(SignatureError):
        signature_key_id(headers)


@pytest.mark.parametrize("drop", ["keyId", "signature"])
async def test_signature_without_key_id_or_signature_is_rejected(drop: str) -> None:  # S3
    headers = signed_post()
    headers["Signature"] = re.sub(rf'(^|,){drop}="[^"]*"', "", headers["Signature"]).strip(",")
    lookup = await rejected(headers, "lacks keyId or signature")
    assert lookup.calls == []


@pytest.mark.parametrize("algorithm", ["hmac-sha256", "rsa-sha512", "ecdsa-sha256", "none"])
async def test_hmac_and_unknown_algorithms_are_rejected(algorithm: str) -> None:  # S4
    lookup = await rejected(signed_post(algorithm=algorithm), "Unsupported signature algorithm")
    assert lookup.calls == []


async def test_garbage_signature_value_is_rejected() -> None:
    headers = signed_post()
    headers["Signature"] = re.sub(
        r'signature="[^"]*"', 'signature="not base64!"', headers["Signature"]
    )
    await rejected(headers, "Malformed signature")


# --- S5-S7, S11: what must be signed --------------------------------------------------------


async def test_post_without_signed_date_is_rejected() -> None:  # S5
    lookup = await rejected(signed_post(covered=["(request-target)", "host", "digest"]), "date")
    assert lookup.calls == []


async def test_post_without_signed_digest_is_rejected() -> None:  # S6
    await rejected(signed_post(covered=GET_COVERED), "not signed: digest")


async def test_get_without_signed_host_is_rejected() -> None:  # S7
    headers = cavage(base_headers("GET"), ["(request-target)", "date"], method="GET")
    await rejected(headers, "not signed: host", method="GET", target="/inbox", body=None)


async def test_get_without_signed_request_target_is_rejected() -> None:
    headers = cavage(base_headers("GET"), ["host", "date"], method="GET")
    await rejected(headers, r"not signed: \(request-target\)", method="GET", body=None)


async def test_signed_header_absent_from_the_request_is_rejected() -> None:
    headers = signed_post(covered=[*POST_COVERED, "content-type"])
    del headers["Content-Type"]
    await rejected(headers, "Signed header missing: content-type")


async def test_unknown_pseudo_header_is_rejected() -> None:
    headers = signed_post(
        covered=[*POST_COVERED, "(nonce)"], algorithm="hs2019", params={"nonce": "7"}
    )
    await rejected(headers, r"Unsupported pseudo-header \(nonce\)")


async def test_created_pseudo_header_with_rsa_sha256_is_rejected() -> None:  # S11
    params = {"created": str(int(NOW.timestamp()))}
    headers = signed_post(covered=[*POST_COVERED, "(created)"], params=params)
    await rejected(headers, "Invalid pseudo-header")


async def test_created_and_expires_with_hs2019_are_accepted() -> None:
    stamp = int(NOW.timestamp())
    params = {"created": str(stamp), "expires": str(stamp + 300)}
    covered = [*POST_COVERED, "(created)", "(expires)"]
    assert await verify(signed_post(covered=covered, params=params, algorithm="hs2019"))


async def test_expired_signature_is_rejected() -> None:
    stamp = int(NOW.timestamp())
    params = {"created": str(stamp - 600), "expires": str(stamp - 300)}
    covered = [*POST_COVERED, "(created)", "(expires)"]
    await rejected(signed_post(covered=covered, params=params, algorithm="hs2019"), "expired")


# --- S8-S10, S22: digest and date -----------------------------------------------------------


async def test_body_changed_after_signing_is_rejected() -> None:  # S8
    lookup = await rejected(signed_post(), "Digest does not match", body=BODY + b" ")
    assert lookup.calls == []


@pytest.mark.parametrize(
    "digest",
    [
        "SHA-512=" + b64(hashlib.sha512(BODY).digest()),
        "SHA-256=not*base64",
        "SHA-256=" + b64(hashlib.sha256(BODY).digest()[:31]),
    ],
)
async def test_digest_must_be_a_valid_sha256(digest: str) -> None:  # S9
    headers = cavage({**base_headers(), "Digest": digest}, POST_COVERED)
    await rejected(headers, "Digest")


@pytest.mark.parametrize("offset", [timedelta(hours=-2), timedelta(hours=2)])
async def test_date_two_hours_off_is_rejected(offset: timedelta) -> None:  # S10
    headers = cavage(base_headers(date=NOW + offset), POST_COVERED)
    await rejected(headers, "outside acceptable time window")


async def test_date_within_the_hour_is_accepted() -> None:
    headers = cavage(base_headers(date=NOW - timedelta(minutes=55)), POST_COVERED)
    assert await verify(headers)


async def test_unparsable_date_is_rejected() -> None:  # S10
    headers = cavage({**base_headers(), "Date": "yesterday at noon"}, POST_COVERED)
    await rejected(headers, "Invalid Date header")


async def test_replay_after_the_window_is_rejected() -> None:  # S22
    headers = signed_post()
    assert await verify(headers)
    await rejected(
        headers, "outside acceptable time window", now=NOW + timedelta(hours=1, seconds=1)
    )


# --- S12, S13, S29: what the request target and host must be --------------------------------


@pytest.mark.parametrize(
    ("method", "target"),
    [("POST", "/users/bob/inbox"), ("PUT", "/inbox"), ("POST", "/inbox/")],
)
async def test_signature_for_another_path_method_or_query_is_rejected(
    method: str, target: str
) -> None:  # S12
    await rejected(signed_post(), "does not verify", method=method, target=target)


async def test_get_signed_with_its_query_is_accepted() -> None:
    headers = cavage(base_headers("GET"), GET_COVERED, method="GET", target="/outbox?page=2")
    assert await verify(headers, method="GET", target="/outbox?page=2", body=None)


async def test_get_signed_for_another_query_is_rejected() -> None:  # S12
    headers = cavage(base_headers("GET"), GET_COVERED, method="GET", target="/outbox?page=2")
    await rejected(headers, "does not verify", method="GET", target="/outbox?page=3", body=None)


async def test_get_signed_without_its_query_is_accepted() -> None:  # S13 (Fedify, old Mastodon)
    headers = cavage(base_headers("GET"), GET_COVERED, method="GET", target="/outbox")
    assert await verify(headers, method="GET", target="/outbox?page=2", body=None)


async def test_host_other_than_ours_is_rejected() -> None:  # S29
    headers = cavage({**base_headers(), "Host": "other.test"}, POST_COVERED)
    lookup = await rejected(headers, "Host header does not match")
    assert lookup.calls == []


# --- S14, S16, S27: key lookup, rotation, key id --------------------------------------------


async def test_unknown_key_is_rejected() -> None:
    lookup = await rejected(signed_post(), "Unknown signing key", lookup=Keys(None))
    assert lookup.calls == [(KEY_ID, False)]


async def test_signature_by_another_key_refreshes_once_then_fails() -> None:  # S14
    lookup = await rejected(signed_post(key=rsa_key(2)), "does not verify")
    assert lookup.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_rotated_key_is_refetched_once_and_accepted() -> None:  # S27
    lookup = Keys(public_key(rsa_key(1)), refreshed=public_key(rsa_key(2)))
    key = await verify(signed_post(key=rsa_key(2)), lookup)
    assert key == public_key(rsa_key(2))
    assert lookup.calls == [(KEY_ID, False), (KEY_ID, True)]


async def test_key_document_with_another_id_is_rejected() -> None:  # S16
    lookup = Keys(public_key(rsa_key(1), key_id="https://remote.test/users/mallory#main-key"))
    await rejected(signed_post(), "Key document id does not match keyId", lookup=lookup)


async def test_signature_key_id_reads_the_key_id_without_lookup() -> None:  # S15 support
    assert signature_key_id(signed_post()) == KEY_ID
    assert signature_key_id(rfc9421_post()) == KEY_ID


# --- RFC 9421 (S23-S25) ---------------------------------------------------------------------


async def test_rfc9421_rsa_post_is_accepted() -> None:
    assert (await verify(rfc9421_post())).owner == OWNER


async def test_rfc9421_ed25519_post_is_accepted() -> None:
    headers = rfc9421_post(key=ed_key(), alg="ed25519")
    assert await verify(headers, Keys(public_key(ed_key())))


async def test_rfc9421_path_and_authority_instead_of_target_uri_is_accepted() -> None:
    components = ["@method", "@path", "@authority", "content-digest"]
    assert await verify(rfc9421_post(components=components, alg=None))


async def test_rfc9421_over_plain_http_is_accepted() -> None:
    assert await verify(rfc9421_post(url=f"http://{HOST}/inbox"))


async def test_rfc9421_get_without_query_in_target_uri_is_accepted() -> None:  # S13
    headers = rfc9421({"Host": HOST}, ["@method", "@target-uri"], method="GET")
    assert await verify(headers, method="GET", target="/inbox?page=1", body=None)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"created": None}, "created missing"),
        ({"created": int((NOW - timedelta(hours=2)).timestamp())}, "time window"),
        ({"components": ["@target-uri", "content-digest"]}, "not signed: @method"),
        ({"components": ["@method", "content-digest"]}, "not signed: @path"),
        ({"components": ["@method", "@target-uri"]}, "not signed: content-digest"),
        ({"expires": int(NOW.timestamp()) - 1}, "expired"),
        ({"alg": "rsa-pss-sha512"}, "Unsupported signature algorithm"),
        ({"alg": "hmac-sha256"}, "Unsupported signature algorithm"),
    ],
)
async def test_rfc9421_policy_violations_are_rejected(kwargs: dict[str, Any], match: str) -> None:
    lookup = await rejected(rfc9421_post(**kwargs), match)  # S23
    assert lookup.calls == []


@pytest.mark.parametrize(
    ("signature_input", "match"),
    [
        ('sig1=("@method" "@target-uri" "content-digest";sf);created=1;keyid="k"', "parameters"),
        ('sig1=("@method" "@query-param" "content-digest");created=1;keyid="k"', "Unsupported"),
        ('sig1=("@method" "@method" "content-digest");created=1;keyid="k"', "Duplicated"),
        ('sig1=("@method" "@target-uri");created=?1;keyid="k"', "created missing or malformed"),
        ('sig1=("@method" "@target-uri");created=1;keyid=k', "keyid missing or malformed"),
    ],
)
async def test_rfc9421_unsupported_signature_input_is_rejected(
    signature_input: str, match: str
) -> None:
    headers = {**rfc9421_post(), "Signature-Input": signature_input}
    lookup = await rejected(headers, match)
    assert lookup.calls == []


async def test_rfc9421_rsa_algorithm_with_an_ed25519_key_is_rejected() -> None:
    headers = rfc9421_post(key=ed_key(), alg="rsa-v1_5-sha256")
    await rejected(headers, "does not verify", lookup=Keys(public_key(ed_key())))


async def test_rfc9421_content_digest_mismatch_is_rejected() -> None:
    lookup = await rejected(rfc9421_post(), "Digest does not match", body=b"{}")
    assert lookup.calls == []


async def test_rfc9421_with_two_signatures_is_rejected() -> None:  # S24
    one, two = rfc9421_post(), rfc9421_post(key=rsa_key(2))
    headers = {**one}
    headers["Signature-Input"] += ", " + two["Signature-Input"].replace("sig1=", "sig2=")
    headers["Signature"] += ", " + two["Signature"].replace("sig1=", "sig2=")
    lookup = await rejected(headers, "Exactly one")
    assert lookup.calls == []


async def test_rfc9421_wrong_target_is_rejected() -> None:
    await rejected(rfc9421_post(), "does not verify", target="/users/bob/inbox")


@pytest.mark.parametrize("garbage", ["sig1=(", "sig1", "not a dictionary at all", 'sig1=("a" b)'])
async def test_garbage_signature_input_never_falls_back_to_cavage(garbage: str) -> None:  # S25
    headers = {**signed_post(), "Signature-Input": garbage}
    lookup = await rejected(headers, "Signature")
    assert lookup.calls == []


# --- signing: what we send ------------------------------------------------------------------


def test_sign_post_sends_what_mastodon_expects() -> None:
    headers = sign_post("https://remote.test/inbox", BODY, KEY_ID, private_pem(rsa_key(1)), NOW)
    assert list(headers) == ["Host", "Date", "Digest", "Content-Type", "Signature"]
    assert headers["Host"] == "remote.test"
    assert headers["Date"] == HTTP_NOW
    assert headers["Digest"] == "SHA-256=" + b64(hashlib.sha256(BODY).digest())
    params = dict(re.findall(r'(\w+)="([^"]*)"', headers["Signature"]))
    assert params["keyId"] == KEY_ID and params["algorithm"] == "rsa-sha256"
    assert params["headers"] == "(request-target) host date digest content-type"
    signing_string = (
        f"(request-target): post /inbox\nhost: remote.test\ndate: {HTTP_NOW}\n"
        f"digest: {headers['Digest']}\ncontent-type: application/activity+json"
    )
    rsa_key(1).public_key().verify(
        base64.b64decode(params["signature"]),
        signing_string.encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


def test_sign_get_includes_the_query_in_request_target() -> None:
    url = "https://remote.test/users/alice/outbox?page=true"
    headers = sign_get(url, KEY_ID, private_pem(rsa_key(1)), "application/activity+json", NOW)
    assert list(headers) == ["Host", "Date", "Accept", "Signature"]
    params = dict(re.findall(r'(\w+)="([^"]*)"', headers["Signature"]))
    assert params["headers"] == "(request-target) host date accept"
    signing_string = (
        "(request-target): get /users/alice/outbox?page=true\nhost: remote.test\n"
        f"date: {HTTP_NOW}\naccept: application/activity+json"
    )
    rsa_key(1).public_key().verify(
        base64.b64decode(params["signature"]),
        signing_string.encode(),
        padding.PKCS1v15(),
        hashes.SHA256(),
    )


async def test_sign_post_round_trips_through_verify_request() -> None:
    headers = sign_post(f"https://{HOST}/inbox", BODY, KEY_ID, private_pem(rsa_key(1)), NOW)
    assert (await verify(headers)).owner == OWNER


async def test_sign_get_round_trips_through_verify_request() -> None:
    url = f"https://{HOST}/users/alice/outbox?page=true"
    headers = sign_get(url, KEY_ID, private_pem(rsa_key(1)), "application/activity+json", NOW)
    target = "/users/alice/outbox?page=true"
    assert await verify(headers, method="GET", target=target, body=None)
    await rejected(headers, "does not verify", method="GET", target="/users/alice/outbox?page=1")


def test_private_key_is_parsed_once() -> None:
    pem = private_pem(rsa_key(1))
    assert load_private_key(pem) is load_private_key(pem)


GOLDEN_KEY = """-----BEGIN PRIVATE KEY-----
MIICdQIBADANBgkqhkiG9w0BAQEFAASCAl8wggJbAgEAAoGBAJZ76YftaGybJUOi
kK37pehaDH5vVjMZoC3j2raiX8y5hnRAiVT2iXdCbaS0x+H8qveSdvpq7Kw+V6Ca
zee9abcmLgyLKwOMTVZmJvLNXEqk8d16+gxLAS5EVn0p1ceZZq44XMolc2ASwhNB
SUfl8UEdHt6JRswkkOILPDDls+47AgMBAAECgYBOn4UfKLITdGfe05Pl4wIGyO2Y
LZGK90uSTmcaXvHQo+oU2RcnlfuynLlugamhcALfgN267pyjTZs45UjJWFRfuGyN
VQNona/JBrFybg5tcVyGVmvInbVLx/jlIFCZ4ne6QSDHyDHZBVYMqoJ583MFgNRK
GQfo8/KizI1Ox9BuIQJBAMbOuJYQUwkZsqz+Jly7qQZzJWH9spNW4VpugNL+t5ko
jELFEaLyNXQsGG3DwVEbUEJdfA3iUS236U6nWhs7rksCQQDBxmJ8xApkrhNT4Vpg
P2ln0A6sx1W8fuOCWGSU0lX+oXV8qU5SiePNLalMmeFroDsJYUDjWDREsAZybfOi
TgnRAkBGrlAp6fvbjGtd3a294mohhOaRhCTtBUJxaEAcw7p6lVPomS/AAuTGPLci
ryoXr+JE9f+Y4BGEc5JbCFycugcpAkBqY4+DTOcf6+s0rI/ANFCc7MCB4FeUTF6B
HCLtCqaoTOGCdjpIWui1qBJBumLngmundLv5ll3sMHD5tqCDRjFhAkAWL85Vxy+r
9nTEV6M+UClQK9TETqC00kyBfUuK2yYBKHVHSRuBnd5HpwqBHvv2rKXW+eZeYXzu
sdYSA+SzCck/
-----END PRIVATE KEY-----
"""
GOLDEN_SIGNATURE = (
    "TLcw4tBTr6qhD036vBcVyuSxBSU2DVpewthr56MO0BOMM0TJyIKwbebO/G61wDRTM2MUNV1r+4si71pGBltRNF/oFM4dufPz"
    "c8KRaloi1KCzc6byg9pXV28C8SgdsyrEYNDik8+zL4LDOF15HLtNCl32ZBie77yx3CUuNf4ksQY="
)


def test_sign_post_golden_signature_for_a_fixed_key_and_date() -> None:
    """RSA PKCS#1 v1.5 is deterministic: any drift in the signed format changes these bytes."""
    headers = sign_post("https://remote.test/inbox", b'{"type":"Follow"}', KEY_ID, GOLDEN_KEY, NOW)
    assert headers == {
        "Host": "remote.test",
        "Date": HTTP_NOW,
        "Digest": "SHA-256=" + b64(hashlib.sha256(b'{"type":"Follow"}').digest()),
        "Content-Type": "application/activity+json",
        "Signature": (
            f'keyId="{KEY_ID}",algorithm="rsa-sha256",'
            'headers="(request-target) host date digest content-type",'
            f'signature="{GOLDEN_SIGNATURE}"'
        ),
    }

"""Retries that cannot pay twice: an optional idempotency key on every write action.

A call whose answer is lost (an outage, a timeout) may have committed. Sent with a key (the
``Idempotency-Key`` header or the ``idempotencykey`` parameter, our extension; calls without one
behave as WHMCS's), a write action and the record of its answer commit in one transaction:

- the first call with a key claims it (a unique index on credential and key) and runs;
- a repeat with the same key and the same parameters gets the first answer back and changes
  nothing, even while the first is still running (its claim makes the repeat wait for it);
- the same key with different parameters is refused: it names another call.

An error answer stores nothing (the call changed nothing), so a retry runs again.
"""

import hashlib
import json

from django.db import IntegrityError, transaction

from api.models import ApiCredential, IdempotentCall
from api.protocol import ApiError, Params

HEADER = "Idempotency-Key"
PARAMETER = "idempotencykey"
MAX_KEY_LENGTH = 255
KEY_INVALID = f"The idempotency key must be 1 to {MAX_KEY_LENGTH} printable characters"
KEY_REUSED = "This idempotency key was already used for a different call"
# Not part of what a call does: who sends it and in which format the answer comes.
NOT_FINGERPRINTED = frozenset(
    {"identifier", "secret", "username", "password", "accesskey", "responsetype", PARAMETER}
)


def is_write_action(name: str) -> bool:
    """Every action but the reads (Get...) writes; a key sent with a read is ignored."""
    return not name.startswith("Get")


def idempotency_key(request, params: Params) -> str | None:
    """The key the call sent, or None; a malformed one is refused before anything runs."""
    key = request.headers.get(HEADER) or params.text(PARAMETER)
    if not key:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise ApiError(KEY_INVALID)
    return key


def call_once(*, credential: ApiCredential, key: str, action: str, params: Params, run) -> dict:
    """``run()``'s answer, or the stored answer of the call that already used ``key``."""
    fingerprint = _fingerprint(action, params)
    try:
        with transaction.atomic():
            # A concurrent call with the same key waits here until this one commits or rolls back.
            call = IdempotentCall.objects.create(
                credential=credential, key=key, action=action, fingerprint=fingerprint
            )
            call.response = run()
            call.save(update_fields=["response"])
            return call.response
    except IntegrityError:
        # The key was claimed by a committed call: answer as it did. (Any other integrity
        # failure of the call itself is re-raised.)
        first = IdempotentCall.objects.filter(credential=credential, key=key).first()
        if first is None:
            raise
    if first.fingerprint != fingerprint:
        raise ApiError(KEY_REUSED)
    return first.response


def _fingerprint(action: str, params: Params) -> str:
    call = [action, sorted((name, params.all(name)) for name in params.keys())]
    call[1] = [pair for pair in call[1] if pair[0] not in NOT_FINGERPRINTED]
    return hashlib.sha256(json.dumps(call).encode()).hexdigest()

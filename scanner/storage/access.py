"""Who may use a server: API tokens (stored only as hashes), and the wrong-flag reports users send."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from sqlalchemy import and_, insert, select, update

from scanner.storage.engine import Store, now
from scanner.storage.schema import feedback, tokens

ROLES = ("agent", "viewer", "admin")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Access(Store):
    """Tokens for scan agents, viewers and admins, and feedback on verdicts."""

    def create_token(self, name: str, role: str) -> str:
        """A new token, returned once; only its hash is kept."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        token = "sw_" + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(insert(tokens).values(name=name[:128], role=role, hash=_hash(token), created_at=now()))
        return token

    def check_token(self, token: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(tokens).where(and_(tokens.c.hash == _hash(token),
                                                         tokens.c.revoked_at.is_(None)))).mappings().first()
        return {"id": row["id"], "name": row["name"], "role": row["role"]} if row else None

    def list_tokens(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(tokens).order_by(tokens.c.id)).mappings()
            return [{"id": r["id"], "name": r["name"], "role": r["role"], "created_at": r["created_at"].isoformat(),
                     "revoked": r["revoked_at"] is not None} for r in rows]

    def revoke_token(self, token_id: int) -> bool:
        with self.engine.begin() as conn:
            return bool(conn.execute(update(tokens).where(tokens.c.id == token_id)
                                     .values(revoked_at=now())).rowcount)

    def add_feedback(self, text: str, verdict: dict[str, Any], note: str) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(insert(feedback).values(text=text, verdict=json.dumps(verdict), note=note,
                                                          created_at=now()))
            key = result.inserted_primary_key
            return int(key[0]) if key else 0

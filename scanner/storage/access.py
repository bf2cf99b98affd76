"""Who may use a server: API tokens (stored only as hashes; agent tokens bound to a site), dashboard users
(password hashes made by the server), one-time login links, the audit log of admin actions, and the wrong-flag
reports users send."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from scanner.storage.engine import Store, now
from scanner.storage.schema import audit, feedback, login_links, tokens, users

ROLES = ("agent", "viewer", "admin")
USER_ROLES = ("viewer", "admin")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def audit_row(actor: str, action: str, target: str, detail: dict[str, Any] | None = None,
              address: str | None = None) -> dict[str, Any]:
    """One entry of the audit log, for an insert in the transaction of the action it records."""
    return {"at": now(), "actor": actor[:160], "action": action[:32], "target": target[:160],
            "detail": json.dumps(detail or {}, ensure_ascii=False), "address": (address or None) and address[:45]}


class Access(Store):
    """Tokens for scan agents, viewers and admins; dashboard users; the audit log; feedback on verdicts."""

    # --- tokens -------------------------------------------------------------------------------------------------

    def create_token(self, name: str, role: str, site: str | None = None, *, actor: str = "cli") -> str:
        """A new token, returned once; only its hash is kept. An agent token uploads for, and reads, one site."""
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        site = site.strip() if site else None
        if role == "agent" and not site:
            raise ValueError("an agent token needs the site it uploads for (--site SITE)")
        if role != "agent" and site:
            raise ValueError("only agent tokens are bound to a site; viewers and admins see every site")
        if site and len(site) > 128:
            raise ValueError("a site name has at most 128 characters")
        token = "sw_" + secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            result = conn.execute(insert(tokens).values(name=name[:128], role=role, hash=_hash(token),
                                                        created_at=now(), site=site))
            key = result.inserted_primary_key
            token_id = int(key[0]) if key else 0
            conn.execute(insert(audit).values(**audit_row(actor, "token.create", f"token:{token_id}",
                                                          {"name": name[:128], "role": role, "site": site})))
        return token

    def check_token(self, token: str) -> dict[str, Any] | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(tokens).where(and_(tokens.c.hash == _hash(token),
                                                         tokens.c.revoked_at.is_(None)))).mappings().first()
        return {"id": row["id"], "name": row["name"], "role": row["role"], "site": row["site"]} if row else None

    def list_tokens(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(tokens).order_by(tokens.c.id)).mappings()
            return [{"id": r["id"], "name": r["name"], "role": r["role"], "site": r["site"],
                     "created_at": r["created_at"].isoformat(), "revoked": r["revoked_at"] is not None} for r in rows]

    def revoke_token(self, token_id: int, *, actor: str = "cli") -> bool:
        with self.engine.begin() as conn:
            found = bool(conn.execute(update(tokens).where(tokens.c.id == token_id).values(revoked_at=now())).rowcount)
            if found:
                conn.execute(insert(audit).values(**audit_row(actor, "token.revoke", f"token:{token_id}")))
            return found

    # --- dashboard users ----------------------------------------------------------------------------------------

    def create_user(self, name: str, role: str, password_hash: str, *, actor: str = "cli") -> int:
        """A person who signs in to the dashboard. ValueError when the name is taken or the role unknown."""
        if role not in USER_ROLES:
            raise ValueError(f"a user's role is one of {', '.join(USER_ROLES)}")
        if not name.strip() or len(name) > 128:
            raise ValueError("a user name has 1-128 characters")
        try:
            with self.engine.begin() as conn:
                result = conn.execute(insert(users).values(name=name, role=role, password_hash=password_hash,
                                                           created_at=now()))
                conn.execute(insert(audit).values(**audit_row(actor, "user.add", f"user:{name}", {"role": role})))
        except IntegrityError:
            raise ValueError(f"there is already a user {name!r}") from None
        key = result.inserted_primary_key
        return int(key[0]) if key else 0

    def user_for_login(self, name: str) -> dict[str, Any] | None:
        """An enabled user with their password hash, for the server to verify a password against."""
        with self.engine.connect() as conn:
            row = conn.execute(select(users).where(and_(users.c.name == name, users.c.disabled_at.is_(None)))
                               ).mappings().first()
        return dict(row) if row else None

    def set_password_hash(self, user_id: int, password_hash: str) -> None:
        """Replace a hash (the server rehashes when its parameters change)."""
        with self.engine.begin() as conn:
            conn.execute(update(users).where(users.c.id == user_id).values(password_hash=password_hash))

    def remove_user(self, name: str, *, actor: str = "cli") -> bool:
        """Disable a user: they cannot sign in any more and their open sessions end."""
        with self.engine.begin() as conn:
            found = bool(conn.execute(update(users).where(and_(users.c.name == name, users.c.disabled_at.is_(None)))
                                      .values(disabled_at=now())).rowcount)
            if found:
                conn.execute(insert(audit).values(**audit_row(actor, "user.remove", f"user:{name}")))
            return found

    def list_users(self) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(users).order_by(users.c.id)).mappings()
            return [{"id": r["id"], "name": r["name"], "role": r["role"], "created_at": r["created_at"].isoformat(),
                     "disabled": r["disabled_at"] is not None} for r in rows]

    def principal(self, kind: str, principal_id: int) -> dict[str, Any] | None:
        """The name and role of a signed-in token or user, None once revoked or removed (sessions then end)."""
        table = tokens if kind == "token" else users if kind == "user" else None
        if table is None:
            return None
        gone = tokens.c.revoked_at if kind == "token" else users.c.disabled_at
        with self.engine.connect() as conn:
            row = conn.execute(select(table.c.name, table.c.role).where(and_(table.c.id == principal_id,
                                                                              gone.is_(None)))).first()
        return {"name": row[0], "role": row[1]} if row else None

    def use_login_link(self, nonce: str) -> bool:
        """Spend a one-time login link: True the first time, False ever after (on every node)."""
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(login_links).values(nonce=nonce[:64], used_at=now()))
        except IntegrityError:
            return False
        return True

    # --- the audit log ------------------------------------------------------------------------------------------

    def record(self, actor: str, action: str, target: str, detail: dict[str, Any] | None = None,
               address: str | None = None) -> None:
        """Add an entry to the audit log (sign-ins; the other actions write theirs in their own transaction)."""
        with self.engine.begin() as conn:
            conn.execute(insert(audit).values(**audit_row(actor, action, target, detail, address)))

    def list_audit(self, limit: int = 100, offset: int = 0,
                   action: str | None = None) -> tuple[list[dict[str, Any]], int]:
        """Entries newest first, and how many there are."""
        where = audit.c.action == action if action else None
        q = select(audit).order_by(audit.c.id.desc()).limit(limit).offset(offset)
        count = select(func.count()).select_from(audit)
        if where is not None:
            q, count = q.where(where), count.where(where)
        with self.engine.connect() as conn:
            total = int(conn.execute(count).scalar_one())
            rows = conn.execute(q).mappings().all()
        return [{"id": r["id"], "at": r["at"].isoformat(), "actor": r["actor"], "action": r["action"],
                 "target": r["target"], "detail": json.loads(r["detail"]), "address": r["address"]}
                for r in rows], total

    # --- feedback -----------------------------------------------------------------------------------------------

    def add_feedback(self, text: str, verdict: dict[str, Any], note: str) -> int:
        with self.engine.begin() as conn:
            result = conn.execute(insert(feedback).values(text=text, verdict=json.dumps(verdict), note=note,
                                                          created_at=now()))
            key = result.inserted_primary_key
            return int(key[0]) if key else 0

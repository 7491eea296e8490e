"""Migration 0012 recomputes handle keys and skeletons, keeping rows whose new keys collide."""

from __future__ import annotations

from sqlalchemy import text

from crm.creators import identity
from crm.db import make_engine
from crm.migrate import downgrade, upgrade

CREATOR = (
    "INSERT INTO creators (id, display_name, search_name, status, notes, archived,"
    " created_at, updated_at) VALUES (1, 'C', 'c', 'active', '', false,"
    " '2026-01-01 00:00:00', '2026-01-01 00:00:00')"
)


def test_0012_recomputes_keys_and_keeps_colliding_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.sqlite3'}"
    upgrade(url, "0011")
    engine = make_engine(url)
    rows = [
        (1, "youtube", "MayaChen", "mayachen"),
        (2, "youtube", "ＭａｙａＣｈｅｎ", "ｍａｙａｃｈｅｎ"),  # collides once folded
        (3, "tiktok", "Straße", "straße"),
        (4, "youtube", "p\u0430ypal", "p\u0430ypal"),
    ]
    with engine.begin() as conn:
        conn.execute(text(CREATOR))
        for id_, platform, handle, key in rows:
            conn.execute(
                text(
                    "INSERT INTO accounts (id, creator_id, platform, handle, handle_key,"
                    " created_at) VALUES (:id, 1, :p, :h, :k, '2026-01-01 00:00:00')"
                ),
                {"id": id_, "p": platform, "h": handle, "k": key},
            )
    upgrade(url, "0012")
    with engine.connect() as conn:
        got = {
            r.id: (r.handle_key, r.handle_skeleton)
            for r in conn.execute(text("SELECT id, handle_key, handle_skeleton FROM accounts"))
        }
    assert got[1] == ("mayachen", identity.handle_skeleton("mayachen"))
    assert got[2][0] == "ｍａｙａｃｈｅｎ"  # kept: its new key is held by account 1
    assert got[3][0] == "strasse"
    assert got[4][1] == identity.handle_skeleton("paypal")
    downgrade(url, "0011")
    engine.dispose()

"""Third-party client check: Python's librouteros against the simulator's API and API-SSL.

Usage: librouteros_check.py HOST API_PORT API_SSL_PORT USER PASSWORD
Prints one "ok: ..." line per check and exits 0; any failure raises (exit 1).
"""

import ssl
import sys

from librouteros import connect
from librouteros.exceptions import TrapError
from librouteros.query import Key


def check(api, label):
    peers = api.path("/interface/wireguard/peers")
    rows = list(peers.select(Key(".id"), Key("public-key"), Key("rx"), Key("disabled")))
    assert rows, "no peers"
    for row in rows:
        assert set(row) <= {".id", "public-key", "rx", "disabled"}, row
        assert row[".id"].startswith("*"), row
        assert len(row["public-key"]) == 44, row
        assert isinstance(row["rx"], int), row
    print(f"ok: {label} print {len(rows)} peers with proplist")

    target = rows[0][".id"]
    peers.update(**{".id": target, "disabled": True})
    again = [r for r in peers.select(Key(".id"), Key("disabled")) if r[".id"] == target]
    assert again and again[0]["disabled"] is True, again
    peers.update(**{".id": target, "disabled": False})
    again = [r for r in peers.select(Key(".id"), Key("disabled")).where(Key(".id") == target)]
    assert len(again) == 1 and again[0]["disabled"] is False, again
    print(f"ok: {label} set disabled and read back")

    try:
        peers.update(**{".id": "*FFFF", "disabled": True})
    except TrapError as e:
        assert "no such item" in e.message, e.message
        print(f"ok: {label} trap on unknown id: {e.message}")
    else:
        raise AssertionError("no trap for an unknown id")

    ident = list(api.path("/system/identity"))
    assert ident and ident[0]["name"], ident
    res = list(api.path("/system/resource"))
    assert res and "uptime" in res[0] and "version" in res[0], res
    print(f"ok: {label} identity {ident[0]['name']} version {res[0]['version']}")


def main():
    host, port, ssl_port, user, password = sys.argv[1:6]
    api = connect(host=host, username=user, password=password, port=int(port), timeout=10)
    check(api, "api")
    api.close()

    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    api = connect(
        host=host,
        username=user,
        password=password,
        port=int(ssl_port),
        timeout=10,
        ssl_wrapper=lambda sock: ctx.wrap_socket(sock, server_hostname=host),
    )
    check(api, "api-ssl")
    api.close()

    try:
        connect(host=host, username=user, password="wrong", port=int(port), timeout=10)
    except TrapError as e:
        assert "invalid user name or password" in e.message, e.message
        print(f"ok: bad login refused: {e.message}")
    else:
        raise AssertionError("login with a wrong password succeeded")


if __name__ == "__main__":
    main()

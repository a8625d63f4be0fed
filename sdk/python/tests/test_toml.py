"""The bundled TOML reader (used on Python 3.10) against tomllib, where there is one."""

import unittest

from caracalai import _toml

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    tomllib = None  # type: ignore[assignment]

PROFILE = '''# Caracal runtime profile, written by `caracal setup`.
sts_url = "http://127.0.0.1:7070"
gateway_url = "http://127.0.0.1:7080"   # trailing comment
zone_id = "zone_1"
application_id = 'app_literal\\no_escape'
app_client_secret_file = "/tmp/a \\"quoted\\" \\u00e9.secret"
ttl_seconds = 1_800

[[credentials]]
env = "CARACAL_TOKEN_BILLING_API"
resource = "resource://billing-api"
scopes = ["billing:charge", "billing:read"]
upstream_prefix = "http://127.0.0.1:9000/v1"

[[credentials]]
"resource" = "resource://ledger"
scopes = [
  "ledger:read",  # one per line
  "ledger:write",
]
'''

OTHER = '''
title = "x"
flag = true
off = false
ratio = 0.5
neg = -3
nested = [[1, 2], ["a"]]
inline = { a = 1, b.c = "d" }
[server]
port = 7070
[server.tls]
enabled = false
'''


class TomlReaderTest(unittest.TestCase):
    def test_loads_profile_subset_reads_every_key(self) -> None:
        doc = _toml.loads(PROFILE)
        self.assertEqual(doc["ttl_seconds"], 1800)
        self.assertEqual(doc["application_id"], "app_literal\\no_escape")
        self.assertEqual(doc["app_client_secret_file"], '/tmp/a "quoted" \u00e9.secret')
        self.assertEqual([c["resource"] for c in doc["credentials"]], ["resource://billing-api", "resource://ledger"])
        self.assertEqual(doc["credentials"][1]["scopes"], ["ledger:read", "ledger:write"])

    @unittest.skipIf(tomllib is None, "tomllib needs Python 3.11")
    def test_loads_matches_tomllib(self) -> None:
        for text in (PROFILE, OTHER):
            self.assertEqual(_toml.loads(text), tomllib.loads(text))

    def test_loads_tables_and_inline_tables(self) -> None:
        doc = _toml.loads(OTHER)
        self.assertEqual(doc["server"], {"port": 7070, "tls": {"enabled": False}})
        self.assertEqual(doc["inline"], {"a": 1, "b": {"c": "d"}})
        self.assertEqual(doc["nested"], [[1, 2], ["a"]])

    def test_loads_invalid_text_says_what_and_where(self) -> None:
        cases = {
            'a = "open': "unterminated string",
            "a = 1\na = 2": "defined twice",
            'a = """x"""': "multi-line strings",
            "a = 1979-05-27": "dates and times",
            "a = 1 b = 2": "end of the line",
            "[t]\n[t]": "defined twice",
            "= 1": "expected a key",
            "a = [1 2]": "expected `,` or `]`",
        }
        for text, message in cases.items():
            with self.subTest(text=text):
                with self.assertRaises(_toml.TOMLDecodeError) as caught:
                    _toml.loads(text)
                self.assertIn(message, str(caught.exception))
                self.assertIn("line", str(caught.exception))


if __name__ == "__main__":
    unittest.main()

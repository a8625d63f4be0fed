"""The shared profile test vectors (sdk/testdata/profiles/cases.json), also run by the Java,
TypeScript and Go SDKs and the caracal CLI, so the profile readers cannot drift apart."""

import json
import os
import shutil
import tempfile
import unittest
from pathlib import Path

from caracalai import ConfigError, load_profile

VECTORS = Path(__file__).resolve().parents[2] / "testdata" / "profiles"


def _cases() -> list:
    return json.loads((VECTORS / "cases.json").read_text(encoding="utf-8"))["cases"]


class ProfileVectorsTest(unittest.TestCase):
    def test_cases_coverEveryErrorTheIssueNames(self) -> None:
        names = {c["name"] for c in _cases()}
        for name in ("unknown-key", "both-secrets", "secret-file-group-readable", "bad-toml"):
            self.assertIn(name, names)

    def test_everyCase(self) -> None:
        for case in _cases():
            with self.subTest(case["name"]):
                folder = Path(tempfile.mkdtemp(prefix="caracal-vector-"))
                self.addCleanup(shutil.rmtree, folder, True)
                profile = folder / "caracal.toml"
                shutil.copyfile(VECTORS / case["profile"], profile)
                secret = case.get("secret_file")
                if secret:
                    path = folder / secret["name"]
                    path.write_text(secret["content"], encoding="utf-8")
                    os.chmod(path, int(secret["mode"], 8))
                if "error" in case:
                    with self.assertRaises(ConfigError) as raised:
                        load_profile(profile)
                    for part in case["error"]:
                        self.assertIn(part, str(raised.exception))
                    continue
                p = load_profile(profile)
                want = case["expect"]
                got = {
                    "sts_url": p.sts_url, "gateway_url": p.gateway_url, "zone_id": p.zone_id,
                    "application_id": p.application_id, "secret": p.secret, "ttl_seconds": p.ttl_seconds,
                    "credentials": [{"env": c.env, "resource": c.resource, "scopes": list(c.scopes),
                                     "upstream_prefix": c.upstream_prefix} for c in p.credentials],
                }
                self.assertEqual(want, got)


if __name__ == "__main__":
    unittest.main()

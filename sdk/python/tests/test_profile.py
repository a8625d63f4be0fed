"""Profile loading and resolution order, on files in a temporary directory (no server)."""

import os
import tempfile
import unittest
from pathlib import Path

from caracalai import Caracal, ConfigError, default_env_name, load_profile, resolve_profile


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, mode)
    return path


def profile_text(secret_line: str, sts: str = "http://127.0.0.1:7070", extra: str = "") -> str:
    return f'''sts_url = "{sts}"
gateway_url = "http://127.0.0.1:7080"
zone_id = "zone_1"
application_id = "app_1"
{secret_line}
ttl_seconds = 600
{extra}
[[credentials]]
env = "CARACAL_TOKEN_BILLING_API"
resource = "resource://billing-api"
scopes = ["billing:charge"]
upstream_prefix = "http://127.0.0.1:9000/v1"
'''


class ProfileTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="caracal-profile-"))
        self.secret = write(self.dir / "app.secret", "s3cret\n")

    def tearDown(self) -> None:
        import shutil

        shutil.rmtree(self.dir, ignore_errors=True)

    def profile(self, text: str, name: str = "caracal.toml") -> Path:
        return write(self.dir / name, text)

    def assert_config_error(self, fn, *fragments: str) -> ConfigError:
        with self.assertRaises(ConfigError) as caught:
            fn()
        for fragment in fragments:
            self.assertIn(fragment, str(caught.exception))
        self.assertEqual(caught.exception.reason, "config_invalid")
        return caught.exception

    # -- loading ---------------------------------------------------------------------------

    def test_load_profile_reads_every_key(self) -> None:
        p = load_profile(self.profile(profile_text(f'app_client_secret_file = "{self.secret}"')))
        self.assertEqual((p.sts_url, p.gateway_url, p.zone_id, p.application_id), (
            "http://127.0.0.1:7070", "http://127.0.0.1:7080", "zone_1", "app_1"))
        self.assertEqual(p.secret, "s3cret")
        self.assertEqual(p.ttl_seconds, 600)
        self.assertEqual(p.credentials[0].resource, "resource://billing-api")
        self.assertEqual(p.credentials[0].scopes, ("billing:charge",))
        self.assertEqual(p.credentials[0].upstream_prefix, "http://127.0.0.1:9000/v1")
        self.assertNotIn("s3cret", repr(p))

    def test_load_profile_relative_secret_file_is_beside_the_profile(self) -> None:
        p = load_profile(self.profile(profile_text('app_client_secret_file = "app.secret"')))
        self.assertEqual(p.secret, "s3cret")

    def test_load_profile_unknown_key_is_named(self) -> None:
        path = self.profile(profile_text(f'app_client_secret_file = "{self.secret}"', extra='gatway_url = "x"'))
        self.assert_config_error(lambda: load_profile(path), "unknown key `gatway_url`", str(path))

    def test_load_profile_unknown_credential_key_is_named(self) -> None:
        text = profile_text(f'app_client_secret_file = "{self.secret}"') + 'scope = "x"\n'
        self.assert_config_error(lambda: load_profile(self.profile(text)), "credentials[0]", "unknown key `scope`")

    def test_load_profile_secret_readable_by_others_is_refused(self) -> None:
        os.chmod(self.secret, 0o644)
        path = self.profile(profile_text(f'app_client_secret_file = "{self.secret}"'))
        self.assert_config_error(lambda: load_profile(path), "readable by group or others", f"chmod 600 {self.secret}")

    def test_load_profile_inline_and_file_secret_is_refused(self) -> None:
        text = profile_text(f'app_client_secret_file = "{self.secret}"\napp_client_secret = "x"')
        self.assert_config_error(lambda: load_profile(self.profile(text)), "only one of `app_client_secret`")

    def test_load_profile_inline_secret_is_accepted(self) -> None:
        self.assertEqual(load_profile(self.profile(profile_text('app_client_secret = "inline"'))).secret, "inline")

    def test_load_profile_missing_secret_file_is_named(self) -> None:
        text = profile_text(f'app_client_secret_file = "{self.dir / "gone.secret"}"')
        self.assert_config_error(lambda: load_profile(self.profile(text)), "gone.secret", "does not exist")

    def test_load_profile_missing_required_key_is_named(self) -> None:
        text = profile_text(f'app_client_secret_file = "{self.secret}"').replace('zone_id = "zone_1"\n', "")
        self.assert_config_error(lambda: load_profile(self.profile(text)), "missing `zone_id`")

    def test_load_profile_credential_without_scopes_is_refused(self) -> None:
        text = profile_text(f'app_client_secret_file = "{self.secret}"').replace('scopes = ["billing:charge"]\n', "")
        self.assert_config_error(lambda: load_profile(self.profile(text)), "`scopes` must list at least one scope")

    def test_load_profile_not_toml_is_refused(self) -> None:
        self.assert_config_error(lambda: load_profile(self.profile("sts_url = ")), "is not valid TOML")

    def test_load_profile_missing_file_is_named(self) -> None:
        self.assert_config_error(lambda: load_profile(self.dir / "nope.toml"), "nope.toml", "does not exist")

    def test_default_env_name_follows_caracal_run(self) -> None:
        self.assertEqual(default_env_name("resource://billing-api"), "CARACAL_TOKEN_BILLING_API")
        self.assertEqual(default_env_name("resource://team/ledger.v2/"), "CARACAL_TOKEN_LEDGER_V2")

    # -- resolution order ------------------------------------------------------------------

    def env_vars(self, **extra: str) -> dict[str, str]:
        env = {"CARACAL_STS_URL": "http://env-sts", "CARACAL_APPLICATION_ID": "app_env",
               "CARACAL_APP_CLIENT_SECRET_FILE": str(self.secret), "CARACAL_GATEWAY_URL": "http://env-gw",
               "HOME": str(self.dir / "home")}
        env.update(extra)
        return env

    def test_resolve_config_wins_over_environment_and_xdg(self) -> None:
        path = self.profile(profile_text(f'app_client_secret_file = "{self.secret}"'))
        write(self.dir / "xdg" / "caracal" / "caracal.toml", profile_text('app_client_secret = "x"', sts="http://xdg"))
        p = resolve_profile(self.env_vars(CARACAL_CONFIG=str(path), XDG_CONFIG_HOME=str(self.dir / "xdg")))
        self.assertEqual(p.sts_url, "http://127.0.0.1:7070")
        self.assertEqual(p.source, str(path))

    def test_resolve_environment_wins_over_xdg(self) -> None:
        write(self.dir / "xdg" / "caracal" / "caracal.toml", profile_text('app_client_secret = "x"', sts="http://xdg"))
        p = resolve_profile(self.env_vars(XDG_CONFIG_HOME=str(self.dir / "xdg"), CARACAL_ZONE_ID="zone_env",
                                          CARACAL_TTL_SECONDS="90", CARACAL_RESOURCE="resource://ledger",
                                          CARACAL_SCOPES="read, write"))
        self.assertEqual((p.sts_url, p.application_id, p.gateway_url, p.zone_id, p.ttl_seconds),
                         ("http://env-sts", "app_env", "http://env-gw", "zone_env", 90))
        self.assertEqual(p.secret, "s3cret")
        self.assertEqual(p.source, "environment")
        self.assertEqual(p.credentials[0].scopes, ("read", "write"))
        self.assertEqual(p.credentials[0].env, "CARACAL_TOKEN_LEDGER")

    def test_resolve_xdg_profile_when_nothing_else(self) -> None:
        xdg = write(self.dir / "xdg" / "caracal" / "caracal.toml", profile_text('app_client_secret = "x"', sts="http://xdg"))
        p = resolve_profile({"XDG_CONFIG_HOME": str(self.dir / "xdg")})
        self.assertEqual((p.sts_url, p.source), ("http://xdg", str(xdg)))

    def test_resolve_home_config_when_xdg_unset(self) -> None:
        write(self.dir / "home" / ".config" / "caracal" / "caracal.toml", profile_text('app_client_secret = "x"', sts="http://home"))
        self.assertEqual(resolve_profile({"HOME": str(self.dir / "home")}).sts_url, "http://home")

    def test_resolve_blank_config_is_ignored(self) -> None:
        self.assertEqual(resolve_profile(self.env_vars(CARACAL_CONFIG="  ")).sts_url, "http://env-sts")

    def test_resolve_nothing_names_every_option(self) -> None:
        self.assert_config_error(lambda: resolve_profile({"HOME": str(self.dir / "empty")}),
                                 "CARACAL_CONFIG", "CARACAL_STS_URL", "CARACAL_APPLICATION_ID",
                                 "CARACAL_APP_CLIENT_SECRET_FILE", str(self.dir / "empty" / ".config" / "caracal" / "caracal.toml"))

    def test_resolve_partial_environment_names_what_is_missing(self) -> None:
        error = self.assert_config_error(lambda: resolve_profile({"CARACAL_STS_URL": "http://x"}),
                                         "CARACAL_APPLICATION_ID", "CARACAL_APP_CLIENT_SECRET_FILE")
        self.assertNotIn("CARACAL_STS_URL,", str(error))

    def test_resolve_inline_and_file_secret_variables_are_refused(self) -> None:
        self.assert_config_error(lambda: resolve_profile(self.env_vars(CARACAL_APP_CLIENT_SECRET="x")),
                                 "only one of CARACAL_APP_CLIENT_SECRET and CARACAL_APP_CLIENT_SECRET_FILE")

    def test_resolve_bad_ttl_variable_is_named(self) -> None:
        self.assert_config_error(lambda: resolve_profile(self.env_vars(CARACAL_TTL_SECONDS="soon")), "CARACAL_TTL_SECONDS")

    def test_resolve_config_naming_missing_file_fails(self) -> None:
        self.assert_config_error(lambda: resolve_profile(self.env_vars(CARACAL_CONFIG=str(self.dir / "x.toml"))),
                                 "x.toml", "does not exist")

    def test_caracal_constructor_fails_with_clear_message(self) -> None:
        self.assert_config_error(lambda: Caracal(env={"HOME": str(self.dir / "empty")}), "no caracal configuration")

    def test_caracal_constructor_takes_a_path(self) -> None:
        path = self.profile(profile_text(f'app_client_secret_file = "{self.secret}"'))
        client = Caracal(path)
        self.assertEqual(client.profile.application_id, "app_1")
        self.assertNotIn("s3cret", repr(client))


if __name__ == "__main__":
    unittest.main()

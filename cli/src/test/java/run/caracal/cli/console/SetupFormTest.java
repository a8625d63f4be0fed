package run.caracal.cli.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import run.caracal.cli.runtime.SetupCommand;

final class SetupFormTest {
  private static void replace(SetupForm form, String text) {
    while (!form.input().text().isEmpty()) {
      form.backspace();
    }
    text.chars().forEach(c -> form.type((char) c));
  }

  private static SetupForm filled() {
    SetupForm form = new SetupForm();
    assertEquals(Optional.empty(), form.next()); // scenario: internal-http
    replace(form, "shop");
    assertEquals(Optional.empty(), form.next());
    replace(form, "cart-agent");
    assertEquals(Optional.empty(), form.next());
    replace(form, "resource://cart-api");
    assertEquals(Optional.empty(), form.next());
    replace(form, " cart:read , cart:write,cart:read ");
    assertEquals(Optional.empty(), form.next());
    replace(form, "http://127.0.0.1:8080");
    assertEquals(Optional.empty(), form.next());
    assertEquals(Optional.empty(), form.next()); // policy: the starter
    assertEquals(Optional.empty(), form.next()); // profile: the default
    assertEquals(Optional.empty(), form.next()); // secret file: the default
    return form;
  }

  @Test
  void steps_filledInOrder_reachTheReviewWithTheAnswers() {
    SetupForm form = filled();

    assertEquals(SetupForm.Step.REVIEW, form.step());
    assertEquals(10, form.number());
    assertEquals(10, form.steps());
    assertEquals(Optional.empty(), form.existingPolicy());
    assertEquals("shop", form.zone());
    assertEquals("cart-agent", form.app());
    assertEquals(List.of("cart:read", "cart:write"), form.scopes());
    assertEquals(Path.of("./caracal.toml"), form.profile());
    assertEquals(Path.of("./cart-agent.secret"), form.secretFile());
    assertTrue(form.writeFiles());
    assertTrue(form.review().contains("[x] write profile files (w toggles)"), form.review().toString());
  }

  @Test
  void zone_startsPrefilledWithDefault() {
    SetupForm form = new SetupForm();
    assertEquals("internal-http", form.input().text());
    assertEquals(Optional.empty(), form.next());

    assertEquals("default", form.input().text());
    assertEquals(Optional.empty(), form.next());
    assertEquals("default", form.zone());
    assertEquals(List.of("scenario:     internal-http", "zone:         default"), form.answered());
  }

  @Test
  void next_invalidInput_staysWithTheError() {
    SetupForm form = new SetupForm();
    replace(form, "saas");
    assertEquals(Optional.of("the scenario is internal-http or provider-api (Tab cycles)"), form.next());
    form.cycle();
    assertEquals("internal-http", form.input().value());
    assertEquals(Optional.empty(), form.next());
    replace(form, "");
    assertEquals(Optional.of("zone is required"), form.next());
    replace(form, "bad zone");
    assertTrue(form.next().isPresent());
    assertEquals(SetupForm.Step.ZONE, form.step());
  }

  @Test
  void validate_scopesAndUpstream() {
    assertEquals(Optional.of("give at least one scope"), SetupForm.validate(SetupForm.Step.SCOPES, " , "));
    assertTrue(SetupForm.validate(SetupForm.Step.UPSTREAM, "ftp://x").isPresent());
    assertEquals(Optional.empty(), SetupForm.validate(SetupForm.Step.UPSTREAM, "https://api.example.com/v1"));
  }

  @Test
  void back_keepsTheAnswerAndCancelsAtTheFirstStep() {
    SetupForm form = new SetupForm();
    form.next();
    replace(form, "shop");
    form.next();
    assertTrue(form.back());
    assertEquals("shop", form.input().text());
    assertTrue(form.back());
    assertEquals(SetupForm.Step.SCENARIO, form.step());
    assertFalse(form.back());
  }

  @Test
  void toggleWriteFiles_reviewSaysTheSecretIsShownOnce() {
    SetupForm form = filled();
    form.toggleWriteFiles();

    assertFalse(form.writeFiles());
    assertTrue(form.review().contains("[ ] write profile files (w toggles)"), form.review().toString());
    assertTrue(form.review().stream().anyMatch(l -> l.contains("shown once")), form.review().toString());
  }

  @Test
  void result_withFiles_showsPathsAndTheFirstRequestButNoSecret() {
    SetupCommand.Result r = new SetupCommand.Result("zone_1", "shop", "app_1", "resource://cart-api", "default", 3,
        Path.of("/w/caracal.toml"), Path.of("/w/cart-agent.secret"), true, "zone_id = \"zone_1\"\n", "http://127.0.0.1:9000",
        "http://127.0.0.1:8000", "CARACAL_TOKEN_CART_API", "/", "http");

    List<String> lines = SetupForm.result(r, "cart-agent", Optional.empty());

    String text = String.join("\n", lines);
    assertTrue(text.contains("zone:         shop (zone_1)"), text);
    assertTrue(text.contains("app:          cart-agent (app_1)"), text);
    assertTrue(text.contains("policy set:   default v3 (active)"), text);
    assertTrue(text.contains("secret file:  /w/cart-agent.secret (mode 0600"), text);
    assertTrue(text.contains("CARACAL_CONFIG=/w/caracal.toml caracal run --"), text);
    assertFalse(text.contains("app secret:"), text);
    assertTrue(text.endsWith("generated profile (written to /w/caracal.toml):\n  zone_id = \"zone_1\""), text);
  }

  @Test
  void result_withoutFiles_showsTheSecretOnce() {
    SetupCommand.Result r = new SetupCommand.Result("zone_1", "shop", "app_1", "resource://cart-api", "default", 1,
        Path.of("/w/caracal.toml"), Path.of("/w/cart-agent.secret"), false, "secret_file = \"/w/cart-agent.secret\"\n",
        "http://127.0.0.1:9000", "http://127.0.0.1:8000", "CARACAL_TOKEN_CART_API", "/", "http");

    String text = String.join("\n", SetupForm.result(r, "cart-agent", Optional.of("s3cr3t")));

    assertTrue(text.contains("app secret:   s3cr3t"), text);
    assertTrue(text.contains("profile:      not written: save the profile below as /w/caracal.toml"), text);
    assertTrue(text.contains("secret file:  not written: save the app secret as /w/cart-agent.secret, then chmod 600 it"), text);
    assertTrue(text.endsWith("generated profile:\n  secret_file = \"/w/cart-agent.secret\""), text);
    assertEquals(1, text.split("s3cr3t", -1).length - 1, "the secret appears once");
  }

  @Test
  void providerScenario_asksForTheCredentialFile_internalSkipsIt(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    SetupForm internal = filled();
    assertEquals(Optional.empty(), internal.credentialFile());
    assertTrue(internal.review().stream().noneMatch(l -> l.startsWith("provider:")), internal.review().toString());

    SetupForm form = new SetupForm();
    form.cycle();
    assertEquals("provider-api", form.input().value());
    assertEquals(Optional.empty(), form.next());
    for (String answer : List.of("shop", "cart-agent", "resource://cart-api", "cart:read", "https://api.example.com")) {
      replace(form, answer);
      assertEquals(Optional.empty(), form.next());
    }
    assertEquals(SetupForm.Step.PROVIDER, form.step());
    replace(form, dir.resolve("missing.token").toString());
    assertEquals(Optional.of("credential file `" + dir.resolve("missing.token") + "` does not exist"), form.next());
    Path empty = java.nio.file.Files.writeString(dir.resolve("empty.token"), "");
    replace(form, empty.toString());
    assertEquals(Optional.of("credential file `" + empty + "` is empty"), form.next());
    Path token = java.nio.file.Files.writeString(dir.resolve("provider.token"), "sk_live_x\n");
    replace(form, token.toString());
    assertEquals(Optional.empty(), form.next());
    assertEquals(SetupForm.Step.POLICY, form.step());
    assertTrue(form.back());
    assertEquals(SetupForm.Step.PROVIDER, form.step(), "back returns to the provider step in this scenario");
    assertEquals(Optional.empty(), form.next());
    assertEquals(Optional.of(token), form.credentialFile());
    assertEquals(8, form.number());
    assertEquals(11, form.steps());
    while (form.step() != SetupForm.Step.REVIEW) {
      assertEquals(Optional.empty(), form.next());
    }
    assertTrue(form.review().contains("provider:     credential from " + token + " (stored sealed; the agent never sees it)"),
        form.review().toString());
    assertTrue(form.review().stream().noneMatch(l -> l.contains("sk_live_x")), "the credential itself is never shown");
  }

  @Test
  void internalScenario_backFromThePolicyStep_skipsTheProviderStep() {
    SetupForm form = new SetupForm();
    assertEquals(Optional.empty(), form.next());
    for (String answer : List.of("shop", "cart-agent", "resource://cart-api", "cart:read", "https://api.example.com")) {
      replace(form, answer);
      assertEquals(Optional.empty(), form.next());
    }
    assertEquals(SetupForm.Step.POLICY, form.step());
    assertTrue(form.answered().contains("provider:     skipped for the internal HTTP API scenario"), form.answered().toString());
    assertTrue(form.back());
    assertEquals(SetupForm.Step.UPSTREAM, form.step());
  }

  @Test
  void zone_tabCyclesThroughExistingZones() {
    SetupForm form = new SetupForm();
    assertEquals(Optional.empty(), form.next());
    form.choices(SetupForm.Step.ZONE, List.of("prod", "staging"));

    form.cycle();
    assertEquals("prod", form.input().value());
    form.cycle();
    assertEquals("staging", form.input().value());
    form.cycle();
    assertEquals("prod", form.input().value());
    assertEquals(Optional.empty(), form.next());
    assertEquals("prod", form.zone());
  }

  @Test
  void policy_pickedFromTheZonesPolicies_orStarter() {
    SetupForm form = new SetupForm();
    while (form.step() != SetupForm.Step.POLICY) {
      replace(form, switch (form.step()) {
        case SCENARIO -> "internal-http";
        case ZONE -> "prod";
        case APP -> "bot";
        case RESOURCE -> "resource://x";
        case SCOPES -> "x:read";
        default -> "http://127.0.0.1:1";
      });
      assertEquals(Optional.empty(), form.next());
    }
    form.choices(SetupForm.Step.POLICY, List.of("readers", "deny-night"));
    assertEquals("starter", form.input().value());

    form.cycle();
    assertEquals("readers", form.input().value());
    form.cycle();
    assertEquals("deny-night", form.input().value());
    form.cycle();
    assertEquals("starter", form.input().value());

    replace(form, "nonesuch");
    assertEquals(Optional.of("zone `prod` has no policy `nonesuch`; Tab cycles through `starter` and its policies"), form.next());
    assertEquals(SetupForm.Step.POLICY, form.step());
    replace(form, "readers");
    assertEquals(Optional.empty(), form.next());
    assertEquals(Optional.of("readers"), form.existingPolicy());
    assertTrue(form.review().stream().anyMatch(l -> l.contains("readers (pushed earlier)")), form.review().toString());
  }
}

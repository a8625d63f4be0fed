package run.caracal.gateway.authz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import run.caracal.control.resource.ResourceBinding.Operation;

class OperationMatcherTest {
  private static final List<Operation> OPERATIONS = List.of(
      new Operation("GET", "/v1/charges", "billing:list"),
      new Operation("GET", "/v1/charges/*", "billing:read"),
      new Operation("POST", "/v1/charges/*/refunds", "billing:refund"),
      new Operation("POST", "/v1/charges", "billing:charge"),
      new Operation("*", "/v1/admin/**", "billing:admin"),
      new Operation("GET", "/v1/**", "billing:browse"));

  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "GET    | /v1/charges                  | billing:list",
      "get    | /v1/charges                  | billing:list",
      "GET    | /v1/charges/ch_1             | billing:read",
      "GET    | /v1/charges/                 | billing:read",
      "POST   | /v1/charges/ch_1/refunds     | billing:refund",
      "POST   | /v1/charges                  | billing:charge",
      "DELETE | /v1/admin/users/7            | billing:admin",
      "PATCH  | /v1/admin/x/y/z              | billing:admin",
      "GET    | /v1/charges/ch_1/refunds     | billing:browse",
      "GET    | /v1/customers/c_1            | billing:browse",
      "DELETE | /v1/charges/ch_1             | -",
      "POST   | /v1/charges/ch_1/refunds/r_1 | -",
      "POST   | /v1/charges/ch_1             | -",
      "PUT    | /v1/customers/c_1            | -",
      "GET    | /v2/charges                  | -",
      "GET    | /v1/charges.json             | billing:browse",
      "GET    | /V1/charges                  | -"})
  void match_methodAndPath_firstDeclaredOperationWins(String method, String path, String expectedScope) {
    Optional<Operation> op = OperationMatcher.match(OPERATIONS, method, path);
    assertEquals(Optional.ofNullable(expectedScope), op.map(Operation::scope), method + " " + path);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', nullValues = "-", value = {
      "/v1/items/*   | /v1/items/a   | true",
      "/v1/items/*   | /v1/items/a/b | false",
      "/v1/items/**  | /v1/items/a/b | true",
      "/v1/items/**  | /v1/items     | false",
      "/v1/*/detail  | /v1/a/detail  | true",
      "/v1/*/detail  | /v1/a/b/detail | false",
      "/v1/items     | /v1/items/    | false",
      "/v1/it.ms     | /v1/itXms     | false",
      "/v1/a+        | /v1/aa        | false"})
  void match_globs_starWithinSegmentDoubleStarAcross(String glob, String path, boolean matches) {
    assertEquals(matches, OperationMatcher.match(List.of(new Operation("GET", glob, "s")), "GET", path).isPresent(), glob + " ~ " + path);
  }
}

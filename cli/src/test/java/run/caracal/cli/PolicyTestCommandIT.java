package run.caracal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static run.caracal.cli.CaracalProcess.assertNoStackTrace;
import static run.caracal.cli.CaracalProcess.run;
import static run.caracal.cli.PolicyFiles.write;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import run.caracal.cli.CaracalProcess.Result;

/** `caracal policy test` in a real process: exit codes, failure output, JUnit XML, coverage. */
final class PolicyTestCommandIT {
  @TempDir
  Path dir;

  @Test
  void test_everyCasePasses_exitsZero() throws Exception {
    write(dir, "p/files.yaml", PolicyFiles.RESOURCE_AND_POLICY);
    write(dir, "p/tests.yaml", PolicyFiles.PASSING_TESTS);

    Result r = run(dir, "policy", "test", "p");

    assertEquals(0, r.exit(), r::toString);
    assertEquals("3 case(s): 3 passed, 0 failed\n", r.out());
  }

  @Test
  void test_verbose_printsPassingCases() throws Exception {
    write(dir, "p/files.yaml", PolicyFiles.RESOURCE_AND_POLICY);
    write(dir, "p/tests.yaml", PolicyFiles.PASSING_TESTS);

    Result r = run(dir, "policy", "test", "-v", "p");

    assertEquals(0, r.exit(), r::toString);
    assertTrue(r.out().contains("ok   files-tests/writer token is issuable\n"), r.out());
  }

  @Test
  void test_failingCase_exitsThreeAndPrintsExpectedAndActual() throws Exception {
    write(dir, "p/files.yaml", PolicyFiles.RESOURCE_AND_POLICY);
    write(dir, "p/tests.yaml", PolicyFiles.FAILING_TESTS);

    Result r = run(dir, "policy", "test", "p");

    assertEquals(3, r.exit(), r::toString);
    String at = Path.of("p", "tests.yaml") + ":13:7";
    assertEquals(List.of(
        "FAIL files-tests/stranger reads  (" + at + ")",
        "     decision: expected allow, got deny",
        "     rules: expected [files-access/readers], got []",
        "     actual: deny rules=[] reasons=[no_matching_rule]",
        "2 case(s): 1 passed, 1 failed"), r.out().lines().toList());
  }

  @Test
  void test_lintErrors_exitsOneWithoutRunning() throws Exception {
    write(dir, "p/files.yaml", PolicyFiles.RESOURCE_AND_POLICY.replace("'reader' in principal.labels", "'reader' in principal.lables"));
    write(dir, "p/tests.yaml", PolicyFiles.PASSING_TESTS);

    Result r = run(dir, "policy", "test", "p");

    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.err().contains("error cel_unknown_reference undefined field `lables`"), r.err());
    assertTrue(r.err().contains("lint errors: fix them before running tests"), r.err());
    assertEquals("", r.out());
  }

  @Test
  void test_invalidCaseInput_isALintErrorNamingTheField() throws Exception {
    write(dir, "p/files.yaml", PolicyFiles.RESOURCE_AND_POLICY);
    write(dir, "p/tests.yaml", PolicyFiles.PASSING_TESTS.replace("principal: {labels: [reader]}", "principal: {lables: [reader]}"));

    Result r = run(dir, "policy", "test", "p");

    assertEquals(1, r.exit(), r::toString);
    assertTrue(r.err().contains("error invalid_test_input case `reader reads`: `principal`: unknown field lables"), r.err());
    assertNoStackTrace(r);
  }

  @Test
  void test_junit_writesValidXmlWithTheFailure() throws Exception {
    write(dir, "p/files.yaml", PolicyFiles.RESOURCE_AND_POLICY);
    write(dir, "p/tests.yaml", PolicyFiles.FAILING_TESTS);

    Result r = run(dir, "policy", "test", "p", "--junit", "reports/junit.xml");

    assertEquals(3, r.exit(), r::toString);
    Document xml = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(dir.resolve("reports/junit.xml").toFile());
    Element root = xml.getDocumentElement();
    assertEquals("testsuites", root.getTagName());
    assertEquals("2", root.getAttribute("tests"));
    assertEquals("1", root.getAttribute("failures"));
    Element suite = (Element) root.getElementsByTagName("testsuite").item(0);
    assertEquals("files-tests", suite.getAttribute("name"));
    NodeList cases = suite.getElementsByTagName("testcase");
    assertEquals(2, cases.getLength());
    Element passed = (Element) cases.item(0);
    Element failed = (Element) cases.item(1);
    assertEquals("reader reads", passed.getAttribute("name"));
    assertEquals(0, passed.getElementsByTagName("failure").getLength());
    assertEquals("stranger reads", failed.getAttribute("name"));
    Element failure = (Element) failed.getElementsByTagName("failure").item(0);
    assertEquals("decision: expected allow, got deny", failure.getAttribute("message"));
    assertTrue(failure.getTextContent().contains("rules: expected [files-access/readers], got []"), failure.getTextContent());
  }

  @Test
  void test_junitWhenAllPass_hasNoFailures() throws Exception {
    write(dir, "p/files.yaml", PolicyFiles.RESOURCE_AND_POLICY);
    write(dir, "p/tests.yaml", PolicyFiles.PASSING_TESTS);

    Result r = run(dir, "policy", "test", "--junit", "junit.xml", "p");

    assertEquals(0, r.exit(), r::toString);
    Document xml = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(dir.resolve("junit.xml").toFile());
    assertEquals("3", xml.getDocumentElement().getAttribute("tests"));
    assertEquals("0", xml.getDocumentElement().getAttribute("failures"));
    assertEquals(0, xml.getElementsByTagName("failure").getLength());
  }

  @Test
  void test_coverage_printsCountsAndRulesNeverExercised() throws Exception {
    write(dir, "p/files.yaml", PolicyFiles.RESOURCE_AND_POLICY);
    write(dir, "p/tests.yaml", PolicyFiles.PASSING_TESTS);

    Result r = run(dir, "policy", "test", "--coverage", "p");

    assertEquals(0, r.exit(), r::toString);
    assertEquals(List.of(
        "rule coverage (cases in which each rule held):",
        "     0  files-access/no-delegated-writes",
        "     1  files-access/readers",
        "     1  files-access/writers",
        "rules never exercised: files-access/no-delegated-writes",
        "3 case(s): 3 passed, 0 failed"), r.out().lines().toList());
  }

  @Test
  void test_noTestCases_exitsZeroAndSaysSo() throws Exception {
    write(dir, "p/files.yaml", PolicyFiles.RESOURCE_AND_POLICY);

    Result r = run(dir, "policy", "test", "p");

    assertEquals(0, r.exit(), r::toString);
    assertEquals("0 case(s): 0 passed, 0 failed\n", r.out());
    assertTrue(r.err().contains("no PolicyTest cases found"), r.err());
  }

  @Test
  void test_nonexistentPath_exitsTwo() throws Exception {
    Result r = run(dir, "policy", "test", "nowhere");

    assertEquals(2, r.exit(), r::toString);
    assertEquals("caracal: `nowhere` does not exist\n", r.err());
    assertTrue(Files.notExists(dir.resolve("junit.xml")));
  }
}

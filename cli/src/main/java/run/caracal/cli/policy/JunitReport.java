package run.caracal.cli.policy;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.stream.XMLOutputFactory;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamWriter;
import run.caracal.engine.testing.CaseResult;
import run.caracal.engine.testing.TestReport;

/** Writes test results as JUnit XML (one testsuite per PolicyTest document) for CI systems. */
final class JunitReport {
  private JunitReport() {}

  static void write(TestReport report, Path file) throws IOException {
    Map<String, List<CaseResult>> suites = new LinkedHashMap<>();
    report.cases().forEach(c -> suites.computeIfAbsent(c.test().name(), k -> new ArrayList<>()).add(c));
    if (file.getParent() != null) {
      Files.createDirectories(file.getParent());
    }
    try (OutputStream out = Files.newOutputStream(file)) {
      XMLStreamWriter xml = XMLOutputFactory.newFactory().createXMLStreamWriter(out, "UTF-8");
      xml.writeStartDocument("UTF-8", "1.0");
      xml.writeStartElement("testsuites");
      xml.writeAttribute("tests", String.valueOf(report.cases().size()));
      xml.writeAttribute("failures", String.valueOf(report.failed()));
      for (Map.Entry<String, List<CaseResult>> suite : suites.entrySet()) {
        xml.writeStartElement("testsuite");
        xml.writeAttribute("name", suite.getKey());
        xml.writeAttribute("tests", String.valueOf(suite.getValue().size()));
        xml.writeAttribute("failures", String.valueOf(suite.getValue().stream().filter(c -> !c.passed()).count()));
        for (CaseResult c : suite.getValue()) {
          xml.writeStartElement("testcase");
          xml.writeAttribute("classname", suite.getKey());
          xml.writeAttribute("name", c.testCase().name().value());
          xml.writeAttribute("file", c.testCase().position().file());
          xml.writeAttribute("line", String.valueOf(c.testCase().position().line()));
          if (!c.passed()) {
            xml.writeStartElement("failure");
            xml.writeAttribute("message", c.failures().get(0));
            xml.writeCharacters(String.join("\n", c.failures()));
            xml.writeEndElement();
          }
          xml.writeEndElement();
        }
        xml.writeEndElement();
      }
      xml.writeEndElement();
      xml.writeEndDocument();
      xml.close();
    } catch (XMLStreamException e) {
      throw new IOException("cannot write junit report `" + file + "`: " + e.getMessage(), e);
    }
  }
}

package io.walletoutbox.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Every alert of {@code ops/prometheus/alerts.yml} has a {@code runbook_url} to its own section of {@code
 * docs/operations.md} (a heading named after the alert, whose GitHub anchor is the URL's fragment); that section says
 * what the alert means, how to confirm it and what resolves it, with at least one fenced {@code sh} or {@code sql}
 * block of commands. The section "Alerts" holds no runbook of an alert that no longer exists, and the alert table of
 * {@code docs/metrics.md} names exactly the rules.
 */
class AlertRunbooksTest {
    private static final Path ROOT = DeployManifestsTest.ROOT;
    private static final String OPERATIONS = "docs/operations.md";
    private static final String ALERTS_SECTION = "## Alerts";
    private static final Pattern HEADING = Pattern.compile("^(#{1,6}) +(.+?) *$");
    private static final Pattern COMMAND_BLOCK = Pattern.compile("(?m)^ *```(sh|sql)\\s*$");
    private static final List<String> PARTS =
            List.of("**What it means.**", "**How to confirm.**", "**What resolves it.**");

    @Test
    void everyAlertHasARunbookSectionWithACommand() throws IOException {
        Map<String, String> alerts = alerts();
        assertFalse(alerts.isEmpty(), "no alert in ops/prometheus/alerts.yml");
        Map<String, Section> sections = sections(Files.readAllLines(ROOT.resolve(OPERATIONS)));
        List<String> problems = new ArrayList<>();
        Set<String> anchorsUsed = new TreeSet<>();
        for (var alert : alerts.entrySet()) {
            String name = alert.getKey();
            String url = alert.getValue();
            String expected = OPERATIONS + "#" + anchor(name);
            if (url == null) {
                problems.add(name + ": no runbook_url annotation (want \"" + expected + "\")");
                continue;
            }
            if (!url.equals(expected)) {
                problems.add(name + ": runbook_url is \"" + url + "\", want its own section \"" + expected + "\"");
                continue;
            }
            anchorsUsed.add(anchor(name));
            Section section = sections.get(anchor(name));
            if (section == null) {
                problems.add(
                        name + ": " + OPERATIONS + " has no heading '### " + name + "' (anchor #" + anchor(name) + ")");
                continue;
            }
            if (!section.parent().equals(ALERTS_SECTION)) {
                problems.add(name + ": its runbook is under '" + section.parent() + "', not '" + ALERTS_SECTION + "'");
            }
            for (String part : PARTS) {
                if (!section.body().contains(part)) {
                    problems.add(name + ": its runbook section says no " + part);
                }
            }
            if (!COMMAND_BLOCK.matcher(section.body()).find()) {
                problems.add(name + ": its runbook section has no ```sh or ```sql block (a command that confirms or"
                        + " resolves it)");
            }
        }
        for (Section section : sections.values()) {
            if (section.parent().equals(ALERTS_SECTION) && !anchorsUsed.contains(section.anchor())) {
                problems.add(OPERATIONS + " has a runbook '" + section.title() + "' for no alert of alerts.yml");
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
    }

    @Test
    void theMetricsCatalogueListsEveryAlert() throws IOException {
        Set<String> listed = new TreeSet<>();
        boolean inTable = false;
        for (String line : Files.readAllLines(ROOT.resolve("docs/metrics.md"))) {
            if (line.startsWith("| alert |")) {
                inTable = true;
            } else if (!line.startsWith("|")) {
                inTable = false;
            } else if (inTable) {
                Matcher m = Pattern.compile("^\\| `([A-Za-z]+)`").matcher(line);
                if (m.find()) {
                    listed.add(m.group(1));
                }
            }
        }
        assertEquals(
                new TreeSet<>(alerts().keySet()), listed, "alerts of docs/metrics.md vs ops/prometheus/alerts.yml");
    }

    /** Alert name → its {@code runbook_url} annotation (null when absent), in file order. */
    @SuppressWarnings("unchecked")
    static Map<String, String> alerts() throws IOException {
        Map<String, Object> doc = new Yaml(new SafeConstructor(new LoaderOptions()))
                .load(Files.readString(ROOT.resolve("ops/prometheus/alerts.yml")));
        Map<String, String> alerts = new LinkedHashMap<>();
        for (Object group : (List<Object>) doc.get("groups")) {
            for (Object rule : (List<Object>) ((Map<String, Object>) group).get("rules")) {
                Map<String, Object> r = (Map<String, Object>) rule;
                if (r.containsKey("alert")) {
                    Map<String, Object> annotations = (Map<String, Object>) r.getOrDefault("annotations", Map.of());
                    Object url = annotations.get("runbook_url");
                    alerts.put((String) r.get("alert"), url == null ? null : url.toString());
                }
            }
        }
        return alerts;
    }

    /** A heading and the text under it up to the next heading of its level or above. */
    record Section(String title, String anchor, String parent, String body) {}

    /** Sections by GitHub anchor (the first of equal anchors wins, as on GitHub). */
    static Map<String, Section> sections(List<String> lines) {
        Map<String, Section> sections = new LinkedHashMap<>();
        String parent = "";
        boolean fenced = false;
        List<int[]> headings = new ArrayList<>(); // line index, level
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).strip().startsWith("```")) {
                fenced = !fenced;
            }
            Matcher m = HEADING.matcher(lines.get(i));
            if (!fenced && m.matches()) {
                headings.add(new int[] {i, m.group(1).length()});
            }
        }
        for (int h = 0; h < headings.size(); h++) {
            int line = headings.get(h)[0];
            int level = headings.get(h)[1];
            Matcher m = HEADING.matcher(lines.get(line));
            m.matches();
            if (level == 2) {
                parent = lines.get(line).strip();
            }
            int end = lines.size();
            for (int next = h + 1; next < headings.size(); next++) {
                if (headings.get(next)[1] <= level) {
                    end = headings.get(next)[0];
                    break;
                }
            }
            String body = String.join("\n", lines.subList(line + 1, end));
            String anchor = anchor(m.group(2));
            sections.putIfAbsent(anchor, new Section(m.group(2), anchor, level == 2 ? "" : parent, body));
        }
        return sections;
    }

    /** GitHub's anchor of a heading: lower case, punctuation other than {@code -} and {@code _} dropped, spaces → -. */
    static String anchor(String heading) {
        StringBuilder anchor = new StringBuilder();
        for (char c : heading.strip().toLowerCase(Locale.ROOT).toCharArray()) {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                anchor.append(c);
            } else if (c == ' ') {
                anchor.append('-');
            }
        }
        return anchor.toString();
    }
}

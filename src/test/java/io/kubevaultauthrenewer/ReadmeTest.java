package io.kubevaultauthrenewer;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The README stays a five-minute read, and what it and docs/ link to is there. */
class ReadmeTest {

    private static final Path README = Path.of("README.md");

    /** An inline link or image: {@code [text](target)} or {@code ![text](target)}. */
    private static final Pattern LINK = Pattern.compile("!?\\[[^\\]]*\\]\\(([^)\\s]+)\\)");

    private static final Pattern HEADING = Pattern.compile("^#{1,6} +(.+?) *#*$");

    /** A row of a settings table: its first cell, a variable in backquotes, and its second and third cells. */
    private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| ([^|]*) \\| ([^|]*) \\|");

    @Test
    void readmeStaysUnderTwentyThousandBytes() throws IOException {
        assertThat(Files.size(README)).as("README.md's size in bytes").isLessThan(20_000);
    }

    @Test
    void everyRelativeLinkOfTheReadmeAndTheDocsLeadsToAFileAndHeadingThatExist() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path page : pages()) {
            for (String target : links(page)) {
                if (target.matches("^[a-zA-Z][a-zA-Z0-9+.-]*:.*")) {
                    continue; // https:, mailto:: not a file of this repository
                }
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                Path linked = file.isEmpty() ? page : page.resolveSibling(file).normalize();
                if (!Files.exists(linked)) {
                    broken.add(page + ": " + target + " (no file " + linked + ")");
                } else if (hash >= 0 && !anchors(linked).contains(target.substring(hash + 1))) {
                    broken.add(page + ": " + target + " (no heading of " + linked + " has that anchor)");
                }
            }
        }
        assertThat(broken).as("links to nothing").isEmpty();
    }

    @Test
    void theReadmesSettingsHaveTheDefaultsOfTheFullTables() throws IOException {
        Map<String, String> documented = new HashMap<>();
        for (Path table : List.of(Path.of("docs/init-mode.md"), Path.of("docs/configuration.md"))) {
            // a variable of both tables (VAULT_TOKEN) keeps the configuration page's default
            documented.putAll(cellsOfColumn(table, 3));
        }
        Map<String, String> readme = cellsOfColumn(README, 2);

        assertThat(readme).as("the README's settings table").hasSizeGreaterThanOrEqualTo(10);
        readme.forEach((variable, defaultValue) -> assertThat(documented.get(variable))
                .as("the default docs/configuration.md or docs/init-mode.md gives " + variable)
                .isEqualTo(defaultValue));
    }

    /** README.md and the pages of docs/. */
    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(README));
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        return pages;
    }

    /** The link targets of a page, outside code blocks and code spans. */
    private static List<String> links(Path page) throws IOException {
        List<String> targets = new ArrayList<>();
        for (String line : prose(page)) {
            Matcher link = LINK.matcher(line.replaceAll("`[^`]*`", ""));
            while (link.find()) {
                targets.add(link.group(1));
            }
        }
        return targets;
    }

    /** The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces to dashes, -1 on repeats. */
    private static Set<String> anchors(Path page) throws IOException {
        Set<String> anchors = new HashSet<>();
        if (!page.toString().endsWith(".md")) {
            return anchors;
        }
        Map<String, Integer> seen = new HashMap<>();
        for (String line : prose(page)) {
            Matcher heading = HEADING.matcher(line);
            if (heading.matches()) {
                String anchor = heading.group(1)
                        .toLowerCase(Locale.ROOT)
                        .replaceAll("[^\\p{L}\\p{N} _-]", "")
                        .replace(' ', '-');
                int repeats = seen.merge(anchor, 1, Integer::sum) - 1;
                anchors.add(repeats == 0 ? anchor : anchor + "-" + repeats);
            }
        }
        return anchors;
    }

    /** The lines of a page outside its fenced code blocks. */
    private static List<String> prose(Path page) throws IOException {
        List<String> lines = new ArrayList<>();
        boolean code = false;
        for (String line : Files.readAllLines(page)) {
            if (line.stripLeading().startsWith("```")) {
                code = !code;
            } else if (!code) {
                lines.add(line);
            }
        }
        return lines;
    }

    /** For each row of the page's settings tables: the variable and the cell of the given column (2 or 3). */
    private static Map<String, String> cellsOfColumn(Path page, int column) throws IOException {
        Map<String, String> cells = new HashMap<>();
        for (String line : prose(page)) {
            Matcher row = ROW.matcher(line);
            if (row.find()) {
                cells.put(row.group(1), row.group(column).strip());
            }
        }
        return cells;
    }
}

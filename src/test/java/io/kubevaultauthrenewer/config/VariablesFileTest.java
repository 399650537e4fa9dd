package io.kubevaultauthrenewer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.entry;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VariablesFileTest {

    private static final Set<String> WANTED = Set.of("VAULT_TOKEN", "LEASE_IDS", "A", "B");

    @TempDir
    Path dir;

    private static Map<String, String> parse(String text) throws VariablesFileException {
        return VariablesFile.parse(text, "/env/variables", WANTED);
    }

    // ---- assignments ----
    @Test
    void readsAnExportedBareValue() throws Exception {
        assertThat(parse("export VAULT_TOKEN=s.abc123\n")).containsExactly(entry("VAULT_TOKEN", "s.abc123"));
    }

    @Test
    void readsAnAssignmentWithoutExport() throws Exception {
        assertThat(parse("VAULT_TOKEN=s.abc123")).containsExactly(entry("VAULT_TOKEN", "s.abc123"));
    }

    @Test
    void readsSeveralAssignmentsOnOneLine() throws Exception {
        assertThat(parse("A=1 B=2\n")).containsOnly(entry("A", "1"), entry("B", "2"));
    }

    @Test
    void readsSeveralExportedAssignmentsOnOneLine() throws Exception {
        assertThat(parse("export A=1 B=2\n")).containsOnly(entry("A", "1"), entry("B", "2"));
    }

    @Test
    void readsCommandsSeparatedBySemicolons() throws Exception {
        assertThat(parse("A=1; export B=2;")).containsOnly(entry("A", "1"), entry("B", "2"));
    }

    @Test
    void keepsTheLastAssignmentOfAName() throws Exception {
        assertThat(parse("export A=first\nA=second\nexport A=third B=x A=last\n"))
                .containsEntry("A", "last");
    }

    @Test
    void returnsOnlyTheWantedNames() throws Exception {
        Map<String, String> values =
                parse("export DB_PASSWORD=hunter2\nexport VAULT_TOKEN=s.abc\nexport OTHER='x y'\n");

        assertThat(values).containsOnly(entry("VAULT_TOKEN", "s.abc"));
    }

    @Test
    void readsAnEmptyValue() throws Exception {
        assertThat(parse("A=\nB=\"\"\n")).containsOnly(entry("A", ""), entry("B", ""));
    }

    @Test
    void keepsEqualsSignsInsideAValue() throws Exception {
        assertThat(parse("A=a=b==c")).containsExactly(entry("A", "a=b==c"));
    }

    @Test
    void acceptsNamesWithUnderscoresAndDigits() throws Exception {
        Map<String, String> values = VariablesFile.parse("_X1=a\nX_2=b\n", "f", Set.of("_X1", "X_2"));

        assertThat(values).containsOnly(entry("_X1", "a"), entry("X_2", "b"));
    }

    @Test
    void ignoresAWordThatStartsWithADigit() throws Exception {
        assertThat(VariablesFile.parse("1A=x\n", "f", Set.of("1A"))).isEmpty();
    }

    @Test
    void ignoresAssignmentsGivenAsArgumentsToACommand() throws Exception {
        assertThat(parse("echo A=1\nexport\nB=2\n")).containsOnly(entry("B", "2"));
    }

    @Test
    void ignoresAQuotedName() throws Exception {
        assertThat(parse("\"A\"=1\n")).isEmpty();
    }

    @Test
    void readsAFileWithWindowsLineEndings() throws Exception {
        assertThat(parse("export A=1\r\nexport B=2\r\n")).containsOnly(entry("A", "1"), entry("B", "2"));
    }

    @Test
    void readsTabsBetweenWords() throws Exception {
        assertThat(parse("export\tA=1\tB=2")).containsOnly(entry("A", "1"), entry("B", "2"));
    }

    @Test
    void readsNothingFromAnEmptyFile() throws Exception {
        assertThat(parse("")).isEmpty();
    }

    // ---- bare values ----
    @Test
    void unescapesABackslashedCharacterInABareValue() throws Exception {
        assertThat(parse("A=a\\ b\\\"c\\'d\\\\e")).containsExactly(entry("A", "a b\"c'd\\e"));
    }

    @Test
    void joinsLinesOfABareValueOnABackslashNewline() throws Exception {
        assertThat(parse("A=abc\\\ndef\nB=2")).containsOnly(entry("A", "abcdef"), entry("B", "2"));
    }

    @Test
    void continuesACommandOnTheNextLineAfterABackslashNewline() throws Exception {
        assertThat(parse("export A=1 \\\n  B=2\n")).containsOnly(entry("A", "1"), entry("B", "2"));
    }

    @Test
    void concatenatesBareAndQuotedParts() throws Exception {
        assertThat(parse("A=ab\"c d\"'e f'g")).containsExactly(entry("A", "abc de fg"));
    }

    @Test
    void keepsDollarSignsLiterally() throws Exception {
        assertThat(parse("A=$HOME")).containsExactly(entry("A", "$HOME"));
    }

    @Test
    void ignoresABackslashAtTheEndOfTheFile() throws Exception {
        assertThat(parse("A=abc\\")).containsExactly(entry("A", "abc"));
    }

    // ---- double quoted values ----
    @Test
    void readsADoubleQuotedValue() throws Exception {
        assertThat(parse("export A=\"two words\"\n")).containsExactly(entry("A", "two words"));
    }

    @Test
    void readsADoubleQuotedValueSpanningLines() throws Exception {
        String text = "export A=\"-----BEGIN KEY-----\nline two\nline three\"\nexport B=after\n";

        assertThat(parse(text))
                .containsOnly(entry("A", "-----BEGIN KEY-----\nline two\nline three"), entry("B", "after"));
    }

    @Test
    void unescapesQuoteBackslashDollarAndBacktick() throws Exception {
        assertThat(parse("A=\"q\\\" b\\\\ d\\$ t\\`\"")).containsExactly(entry("A", "q\" b\\ d$ t`"));
    }

    @Test
    void keepsABackslashBeforeAnyOtherCharacterInDoubleQuotes() throws Exception {
        assertThat(parse("A=\"a\\nb\\tc\\'d\"")).containsExactly(entry("A", "a\\nb\\tc\\'d"));
    }

    @Test
    void joinsLinesOfADoubleQuotedValueOnABackslashNewline() throws Exception {
        assertThat(parse("A=\"abc\\\ndef\"")).containsExactly(entry("A", "abcdef"));
    }

    @Test
    void keepsSingleQuotesHashesAndSemicolonsInsideDoubleQuotes() throws Exception {
        assertThat(parse("A=\"it's # not; a comment\"")).containsExactly(entry("A", "it's # not; a comment"));
    }

    @Test
    void endsOnAnEscapedBackslashBeforeTheClosingQuote() throws Exception {
        assertThat(parse("A=\"abc\\\\\" B=2")).containsOnly(entry("A", "abc\\"), entry("B", "2"));
    }

    // ---- single quoted values ----
    @Test
    void readsASingleQuotedValueLiterally() throws Exception {
        assertThat(parse("A='a \\\" $b \\\\ `c`'")).containsExactly(entry("A", "a \\\" $b \\\\ `c`"));
    }

    @Test
    void readsASingleQuotedValueSpanningLines() throws Exception {
        assertThat(parse("A='one\ntwo\\\nthree'\nB=2")).containsOnly(entry("A", "one\ntwo\\\nthree"), entry("B", "2"));
    }

    @Test
    void keepsDoubleQuotesAndHashesInsideSingleQuotes() throws Exception {
        assertThat(parse("A='say \"hi\" # there'")).containsExactly(entry("A", "say \"hi\" # there"));
    }

    // ---- comments ----
    @Test
    void ignoresCommentsAndBlankLines() throws Exception {
        String text = "# VAULT_TOKEN=commented\n\n   \n  # export VAULT_TOKEN=indented\n"
                + "export VAULT_TOKEN=s.real # VAULT_TOKEN=trailing\n\n";

        assertThat(parse(text)).containsExactly(entry("VAULT_TOKEN", "s.real"));
    }

    @Test
    void keepsAHashInsideAWord() throws Exception {
        assertThat(parse("A=abc#def")).containsExactly(entry("A", "abc#def"));
    }

    @Test
    void startsACommentAfterASemicolon() throws Exception {
        assertThat(parse("A=1;# B=2\nB=3")).containsOnly(entry("A", "1"), entry("B", "3"));
    }

    @Test
    void endsACommentAtTheEndOfItsLine() throws Exception {
        assertThat(parse("# comment \\\nA=1")).containsExactly(entry("A", "1"));
    }

    // ---- unterminated quotes ----
    @Test
    void namesTheFileAndTheLineWhereADoubleQuoteOpened() {
        String text = "export A=1\nexport B=2\nexport VAULT_TOKEN=\"s.secret-token\nmore-secret\n";

        assertThatThrownBy(() -> parse(text))
                .isInstanceOf(VariablesFileException.class)
                .hasMessageContaining("/env/variables")
                .hasMessageContaining("line 3")
                .hasMessageContaining("double quote")
                .hasMessageNotContaining("secret");
    }

    @Test
    void namesTheFileAndTheLineWhereASingleQuoteOpened() {
        String text = "A=1\n# comment\n\nDB_PASSWORD='hunter2\n";

        assertThatThrownBy(() -> parse(text))
                .isInstanceOf(VariablesFileException.class)
                .hasMessageContaining("/env/variables line 4")
                .hasMessageContaining("single quote")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void countsLinesOfEarlierMultiLineValuesAndContinuations() {
        String text = "A=\"one\ntwo\"\nB='three\nfour'\nC=five\\\nsix\nD=\"s.never-closed";

        assertThatThrownBy(() -> parse(text))
                .isInstanceOf(VariablesFileException.class)
                .hasMessageContaining("line 7")
                .hasMessageNotContaining("never-closed");
    }

    @Test
    void failsOnADoubleQuoteWhoseClosingQuoteIsEscaped() {
        assertThatThrownBy(() -> parse("A=\"s.secret\\\""))
                .isInstanceOf(VariablesFileException.class)
                .hasMessageContaining("line 1")
                .hasMessageNotContaining("s.secret");
    }

    // ---- reading a file ----
    @Test
    void readsTheWantedValuesFromAFile() throws Exception {
        Path file = dir.resolve("variables");
        Files.writeString(file, "export VAULT_TOKEN=s.abc\nexport LEASE_IDS=\"a/1,b/2\"\nexport X=y\n");

        Optional<Map<String, String>> values = VariablesFile.read(file, WANTED);

        assertThat(values)
                .hasValueSatisfying(map ->
                        assertThat(map).containsOnly(entry("VAULT_TOKEN", "s.abc"), entry("LEASE_IDS", "a/1,b/2")));
    }

    @Test
    void givesNothingForAMissingFile() throws Exception {
        assertThat(VariablesFile.read(dir.resolve("absent"), WANTED)).isEmpty();
    }

    @Test
    void givesNothingWhenTheParentDirectoryIsMissing() throws Exception {
        assertThat(VariablesFile.read(dir.resolve("no/such/variables"), WANTED)).isEmpty();
    }

    @Test
    void givesAnEmptyMapForAnEmptyFile() throws Exception {
        Path file = Files.createFile(dir.resolve("variables"));

        assertThat(VariablesFile.read(file, WANTED)).hasValue(Map.of());
    }

    @Test
    void refusesADirectory() {
        assertThatThrownBy(() -> VariablesFile.read(dir, WANTED))
                .isInstanceOf(VariablesFileException.class)
                .hasMessageContaining(dir.toString())
                .hasMessageContaining("directory");
    }

    @Test
    void refusesAFileLargerThanTheLimit() throws IOException {
        Path file = dir.resolve("huge");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(VariablesFile.MAX_BYTES + 1);
        }

        assertThatThrownBy(() -> VariablesFile.read(file, WANTED))
                .isInstanceOf(VariablesFileException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(String.valueOf(VariablesFile.MAX_BYTES));
    }

    @Test
    void refusesA28MibFileNamingTheFileAndTheOneMibLimit() throws IOException {
        Path file = dir.resolve("variables");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(28L * 1024 * 1024);
        }

        assertThatThrownBy(() -> VariablesFile.read(file, WANTED))
                .isInstanceOf(VariablesFileException.class)
                .hasMessage(file + " is 29360128 bytes, more than the 1048576 bytes (1 MiB) a variables file may have:"
                        + " not read");
    }

    @Test
    void neverReadsMoreThanTheLimitAndOneByteWhateverTheSizeSaidBefore() throws IOException {
        Path file = dir.resolve("variables");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(VariablesFile.MAX_BYTES + 64 * 1024);
        }

        assertThatThrownBy(() -> VariablesFile.readAtMost(file))
                .as("the file grew after its size was checked")
                .isInstanceOf(VariablesFileException.class)
                .hasMessageContaining(file + " is more than 1048576 bytes now");
    }

    @Test
    void refusesAFifoWithoutOpeningItSoTheCycleDoesNotHang() throws Exception {
        Path fifo = dir.resolve("variables");
        assertThat(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor())
                .isZero();
        Path link = Files.createSymbolicLink(dir.resolve("link"), fifo);

        for (Path path : new Path[] {fifo, link}) {
            assertTimeoutPreemptively(
                    Duration.ofSeconds(10),
                    () -> assertThatThrownBy(() -> VariablesFile.read(path, WANTED))
                            .isInstanceOf(VariablesFileException.class)
                            .hasMessageContaining(path + " is not a regular file"));
        }
    }

    @Test
    void readsAFileThroughTheLinksOfAProjectedVolume() throws Exception {
        Path data = Files.createDirectory(dir.resolve("..2026_12_01_11_28_43.1"));
        Files.writeString(data.resolve("variables"), "export VAULT_TOKEN=s.abc\n");
        Files.createSymbolicLink(dir.resolve("..data"), data.getFileName());
        Path file = Files.createSymbolicLink(dir.resolve("variables"), Path.of("..data/variables"));

        assertThat(VariablesFile.read(file, WANTED)).hasValue(Map.of("VAULT_TOKEN", "s.abc"));
    }

    @Test
    void namesTheFilePathWhenAQuoteIsNeverClosed() throws IOException {
        Path file = dir.resolve("variables");
        Files.writeString(file, "export VAULT_TOKEN=s.abc\nexport DB_PASSWORD=\"hunter2");

        assertThatThrownBy(() -> VariablesFile.read(file, WANTED))
                .isInstanceOf(VariablesFileException.class)
                .hasMessageContaining(file + " line 2")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void readsTheTokenDespiteInvalidUtf8InAnotherValue() throws Exception {
        Path file = dir.resolve("variables");
        byte[] head = "export BLOB='".getBytes(StandardCharsets.UTF_8);
        byte[] junk = {(byte) 0xff, (byte) 0xfe, (byte) 0xc3};
        byte[] tail = "'\nexport VAULT_TOKEN=s.abc\n".getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[head.length + junk.length + tail.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(junk, 0, all, head.length, junk.length);
        System.arraycopy(tail, 0, all, head.length + junk.length, tail.length);
        Files.write(file, all);

        assertThat(VariablesFile.read(file, WANTED)).hasValue(Map.of("VAULT_TOKEN", "s.abc"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"export VAULT_TOKEN=s.abc", "VAULT_TOKEN='s.abc'", "export VAULT_TOKEN=\"s.abc\""})
    void readsTheTokenWrittenInAnyQuoting(String line) throws Exception {
        Path file = dir.resolve("variables");
        Files.writeString(file, line + "\n");

        assertThat(VariablesFile.read(file, WANTED)).hasValue(Map.of("VAULT_TOKEN", "s.abc"));
    }
}

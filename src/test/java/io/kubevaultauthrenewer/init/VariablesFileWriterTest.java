package io.kubevaultauthrenewer.init;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.kubevaultauthrenewer.config.VariablesFile;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VariablesFileWriterTest {

    /** Dumps each named variable, byte for byte, as the sourcing shell and as a child process see it. */
    private static final String DUMP = ". \"$1\" || exit 97\n"
            + "out=$2\n"
            + "shift 2\n"
            + "for n do\n"
            + "  eval \"printf %s \\\"\\${$n}\\\"\" > \"$out/$n\" || exit 98\n"
            + "  /bin/sh -c 'eval \"printf %s \\\"\\${$1}\\\"\"' child \"$n\" > \"$out/$n.exported\" || exit 99\n"
            + "done\n";

    private static final String TOKEN = "hvs.CAESI'$(touch pwned)`touch pwned`\\\n";

    private static final List<String> LEASE_IDS = List.of(
            "database/creds/app/AbC123", "", "aws/creds/ro/it's$x`y`", "database/creds/app/AbC123", "pki/issue/web");

    private static final String JOINED_LEASE_IDS = "database/creds/app/AbC123,aws/creds/ro/it's$x`y`,pki/issue/web";

    private static final List<Map.Entry<String, String>> HOSTILE = List.of(
            Map.entry("SINGLE_QUOTES", "it's 'quoted' '' '''"),
            Map.entry("THE_ESCAPE_ITSELF", "'\\''"),
            Map.entry("ONLY_A_QUOTE", "'"),
            Map.entry("DOUBLE_QUOTES", "say \"hi\" \"\\\" \""),
            Map.entry("DOLLARS", "$HOME ${PATH} $1 $@ $* $$ $? ${#} $"),
            Map.entry("COMMAND_SUBSTITUTION", "$(touch pwned) `touch pwned` $((1+1))"),
            Map.entry("BACKSLASHES", "a\\b\\\\c\\n\\t\\'\\\"\\$\\"),
            Map.entry("BACKSLASH_NEWLINE", "one\\\ntwo\\"),
            Map.entry("NEWLINES", "line one\nline two\n"),
            Map.entry("ONLY_NEWLINES", "\n\n\n"),
            Map.entry("LEADING_NEWLINE", "\nafter"),
            Map.entry("CARRIAGE_RETURNS", "windows\r\nline\r\n\r"),
            Map.entry("TABS_AND_SPACES", "\t  padded\t \t"),
            Map.entry("GLOBS_AND_HISTORY", "!! !$ !-1 * ? [a-z] ~ ~root {a,b} **/*"),
            Map.entry("LEADING_DASH", "-n -e --"),
            Map.entry("OPERATORS", "a; b && c || d | e > f < g & h # not a comment"),
            Map.entry("EQUALS", "A=B=C"),
            Map.entry("EMPTY", ""),
            Map.entry("PRINTF_FORMAT", "%s %d %n %% %b \\c"),
            Map.entry("NON_ASCII", "é 日本 😀 \u00a0 \u200b ü"),
            Map.entry("EVERY_ASCII_CHARACTER", everyAsciiCharacter()),
            Map.entry("LONG_VALUE", longHostileValue(64 * 1024)));

    @TempDir
    Path dir;

    // ---- what the shell and the renewer read ----
    @ParameterizedTest(name = "{0} sources every value byte for byte")
    @ValueSource(strings = {"/bin/sh", "dash", "bash --posix", "busybox sh"})
    void theShellSourcesEveryValueByteForByteAndExportsIt(String shell) throws Exception {
        List<String> command = new ArrayList<>(List.of(shell.split(" ")));
        assumeTrue(isInstalled(command.get(0)), command.get(0) + " is not installed: not tested with it");
        Path file = dir.resolve("variables");
        VariablesFileWriter.write(file, VariablesFileWriter.render(TOKEN, HOSTILE, LEASE_IDS));
        Map<String, String> expected = expectedValues();
        Path out = Files.createDirectory(dir.resolve("out"));
        command.addAll(List.of("-c", DUMP, "sh", file.toString(), out.toString()));
        command.addAll(expected.keySet());

        Process process = new ProcessBuilder(command)
                .directory(dir.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as(shell + " ends").isTrue();

        assertThat(process.exitValue()).as(shell + " says: " + output).isZero();
        expected.forEach((name, value) -> {
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            assertThat(read(out.resolve(name)))
                    .as(name + " as " + shell + " sourced it")
                    .isEqualTo(bytes);
            assertThat(read(out.resolve(name + ".exported")))
                    .as(name + " in the environment of a process " + shell + " started")
                    .isEqualTo(bytes);
        });
        assertThat(dir.resolve("pwned")).as("nothing in a value ran").doesNotExist();
    }

    @Test
    void theRenewersParserReadsBackEveryValueTheShellReads() throws Exception {
        Path file = dir.resolve("variables");
        VariablesFileWriter.write(file, VariablesFileWriter.render(TOKEN, HOSTILE, LEASE_IDS));
        Map<String, String> expected = expectedValues();

        assertThat(VariablesFile.read(file, expected.keySet())).hasValue(expected);
    }

    // ---- the content ----
    @Test
    void rendersTheTokenFirstTheSecretsInTheirOrderAndTheLeaseIdsLast() {
        String content = VariablesFileWriter.render(
                "s.abc",
                List.of(Map.entry("DB_USER", "app"), Map.entry("DB_PASSWORD", "it's"), Map.entry("A_KEY", "k")),
                List.of("database/creds/app/1", "", "aws/creds/ro/2", "database/creds/app/1"));

        assertThat(content)
                .isEqualTo("export VAULT_TOKEN='s.abc'\n"
                        + "export DB_USER='app'\n"
                        + "export DB_PASSWORD='it'\\''s'\n"
                        + "export A_KEY='k'\n"
                        + "export LEASE_IDS='database/creds/app/1,aws/creds/ro/2'\n");
    }

    @Test
    void writesAnEmptyLeaseIdListAsAnEmptyValue() {
        assertThat(VariablesFileWriter.render("s.abc", List.of(), List.of()))
                .isEqualTo("export VAULT_TOKEN='s.abc'\nexport LEASE_IDS=''\n");
    }

    @Test
    void skipsBlankLeaseIdsAsTheRenewerDoes() {
        assertThat(VariablesFileWriter.render("s.abc", List.of(), List.of("", " ", "a/1")))
                .endsWith("export LEASE_IDS='a/1'\n");
    }

    @Test
    void quotesASingleQuoteByClosingEscapingAndReopening() {
        assertThat(VariablesFileWriter.quote("it's")).isEqualTo("'it'\\''s'");
        assertThat(VariablesFileWriter.quote("")).isEqualTo("''");
        assertThat(VariablesFileWriter.quote("'")).isEqualTo("''\\'''");
    }

    // ---- what is refused ----
    @ParameterizedTest(name = "refuses the name \"{0}\"")
    @ValueSource(strings = {"1A", "A-B", "A B", "", "É", "A=B", "A\nB", "$A", "A'"})
    void refusesASecretNameThatIsNotAShellIdentifierNamingItButNotTheValue(String name) {
        assertThatThrownBy(() -> VariablesFileWriter.render("s.token", List.of(Map.entry(name, "hunter2")), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + name + "'")
                .hasMessageContaining("shell identifier")
                .hasMessageNotContaining("hunter2")
                .hasMessageNotContaining("s.token");
    }

    @Test
    void refusesASecretHoldingANulByteNamingTheVariableButNotTheValue() {
        List<Map.Entry<String, String>> secrets =
                List.of(Map.entry("DB_USER", "app"), Map.entry("DB_PASSWORD", "hunter2\0tail"));

        assertThatThrownBy(() -> VariablesFileWriter.render("s.token", secrets, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DB_PASSWORD")
                .hasMessageContaining("NUL")
                .hasMessageNotContaining("hunter2")
                .hasMessageNotContaining("tail")
                .hasMessageNotContaining("s.token");
    }

    @Test
    void refusesATokenHoldingANulByteNamingTheVariableButNotTheValue() {
        assertThatThrownBy(() -> VariablesFileWriter.render("s.secret\0token", List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("VAULT_TOKEN")
                .hasMessageNotContaining("secret")
                .hasMessageNotContaining("token");
    }

    @Test
    void refusesALoneSurrogateNamingTheVariableButNotTheValue() {
        List<Map.Entry<String, String>> secrets = List.of(Map.entry("BLOB", "hunter2\ud800"));

        assertThatThrownBy(() -> VariablesFileWriter.render("s.token", secrets, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("BLOB")
                .hasMessageContaining("surrogate")
                .hasMessageNotContaining("hunter2");
    }

    @ParameterizedTest(name = "refuses a secret named {0}")
    @ValueSource(strings = {"VAULT_TOKEN", "LEASE_IDS"})
    void refusesASecretNamedLikeTheRenewersOwnVariables(String name) {
        assertThatThrownBy(() -> VariablesFileWriter.render("s.token", List.of(Map.entry(name, "hunter2")), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(name)
                .hasMessageContaining("renewer's own")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void refusesASecretNameGivenTwice() {
        List<Map.Entry<String, String>> secrets = List.of(Map.entry("A", "first"), Map.entry("A", "hunter2"));

        assertThatThrownBy(() -> VariablesFileWriter.render("s.token", secrets, List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("A is given twice")
                .hasMessageNotContaining("first")
                .hasMessageNotContaining("hunter2");
    }

    @ParameterizedTest(name = "refuses the lease id \"{0}\"")
    @ValueSource(strings = {"a/1,b/2", " a/1", "a/1\t"})
    void refusesALeaseIdTheRenewerWouldReadBackDifferently(String id) {
        assertThatThrownBy(() -> VariablesFileWriter.render("s.token", List.of(), List.of("ok/1", id)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("LEASE_IDS: lease id #2");
    }

    @Test
    void writesNothingWhenTheContentIsRefused() throws IOException {
        Path file = dir.resolve("variables");
        VariablesFileWriter.write(file, "export VAULT_TOKEN='s.old'\n");

        assertThatThrownBy(() -> VariablesFileWriter.write(
                        file, VariablesFileWriter.render("s.new", List.of(Map.entry("1BAD", "x")), List.of())))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(file).hasContent("export VAULT_TOKEN='s.old'\n");
        assertThat(filesIn(dir)).containsExactly("variables");
    }

    @Test
    void refusesContentThatIsNotValidUnicodeBeforeCreatingAnything() throws IOException {
        Path file = dir.resolve("variables");

        assertThatThrownBy(() -> VariablesFileWriter.write(file, "export A='hunter2\udc00'\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageNotContaining("hunter2");
        assertThat(filesIn(dir)).isEmpty();
    }

    @Test
    void refusesContentLargerThanTheRenewerReadsBeforeCreatingAnything() throws IOException {
        Path file = dir.resolve("variables");
        String content = "x".repeat((int) VariablesFile.MAX_BYTES + 1);

        assertThatThrownBy(() -> VariablesFileWriter.write(file, content))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(String.valueOf(VariablesFile.MAX_BYTES));
        assertThat(filesIn(dir)).isEmpty();
    }

    @Test
    void refusesTwoMibOfSecretsWhichTheRenewerWouldNotReadAndWritesNothing() throws IOException {
        Path file = dir.resolve("variables");
        String content = "export BLOB='" + "x".repeat(2 * 1024 * 1024) + "'\n";

        assertThatThrownBy(() -> VariablesFileWriter.write(file, content))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("more than the 1048576 the renewer reads");
        assertThat(filesIn(dir)).isEmpty();
    }

    // ---- the file ----
    @Test
    void givesTheFileMode0640ByDefault() throws IOException {
        Path file = dir.resolve("variables");

        VariablesFileWriter.write(file, "export VAULT_TOKEN='s.abc'\n");

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-r-----");
        assertThat(VariablesFileWriter.DEFAULT_PERMISSIONS).isEqualTo(PosixFilePermissions.fromString("rw-r-----"));
    }

    @ParameterizedTest(name = "gives the file the mode {0}")
    @ValueSource(strings = {"rw-------", "rw-rw-rw-"})
    void givesTheFileTheAskedModeWhateverTheUmask(String mode) throws IOException {
        Path file = dir.resolve("variables");

        VariablesFileWriter.write(file, "export VAULT_TOKEN='s.abc'\n", PosixFilePermissions.fromString(mode));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo(mode);
    }

    @Test
    void writesTheContentAsUtf8() throws IOException {
        Path file = dir.resolve("variables");

        VariablesFileWriter.write(file, "export A='é 日本 😀'\n");

        assertThat(Files.readAllBytes(file)).isEqualTo("export A='é 日本 😀'\n".getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void replacesAnExistingFileAtomicallySoAReaderOfTheOldOneStillReadsItWhole() throws IOException {
        Path file = dir.resolve("variables");
        String old = "export VAULT_TOKEN='s.old'\n" + "export PAD='" + "o".repeat(200_000) + "'\n";
        VariablesFileWriter.write(file, old);

        try (InputStream reader = Files.newInputStream(file)) {
            VariablesFileWriter.write(file, "export VAULT_TOKEN='s.new'\n");

            assertThat(new String(reader.readAllBytes(), StandardCharsets.UTF_8))
                    .isEqualTo(old);
        }
        assertThat(file).hasContent("export VAULT_TOKEN='s.new'\n");
        assertThat(filesIn(dir)).containsExactly("variables");
    }

    @Test
    void failsNamingThePathWhenTheDirectoryIsMissing() throws IOException {
        Path file = dir.resolve("missing/variables");

        assertThatThrownBy(() -> VariablesFileWriter.write(file, "export VAULT_TOKEN='s.secret'\n"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("directory does not exist")
                .hasMessageNotContaining("s.secret");
        assertThat(filesIn(dir)).isEmpty();
    }

    @Test
    void failsNamingThePathAndKeepsTheOldFileWhenTheDirectoryIsReadOnly(@TempDir Path classes) throws Exception {
        Path file = dir.resolve("variables");
        VariablesFileWriter.write(file, "export VAULT_TOKEN='s.old'\n");
        // root may write into a read-only directory: as root (always, in CI), the write is tried by nobody, who owns
        // the directory and the file as the renewer owns its own
        boolean root = Integer.valueOf(0).equals(Files.getAttribute(file, "unix:uid"));
        if (root) {
            for (Path owned : List.of(dir, file)) {
                Files.setAttribute(owned, "unix:uid", NOBODY);
                Files.setAttribute(owned, "unix:gid", NOBODY);
            }
        }
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("r-x------"));
        try {
            String outcome = root ? writeAsNobody(file, classes) : TryWrite.outcome(file);

            assertThat(outcome)
                    .as(root ? "what the write answered nobody" : "what the write answered")
                    .startsWith("IOException: ")
                    .contains(file.toString())
                    .contains("permission denied")
                    .doesNotContain("s.secret");
            assertThat(file).hasContent("export VAULT_TOKEN='s.old'\n");
            assertThat(filesIn(dir)).containsExactly("variables");
        } finally {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
    }

    private static final int NOBODY = 65534;

    /** The write tried in this JVM, or (run as main) in a JVM of another user's: what it answered, on one line. */
    static final class TryWrite {
        public static void main(String[] args) {
            System.out.println(outcome(Path.of(args[0])));
        }

        static String outcome(Path file) {
            try {
                VariablesFileWriter.write(file, "export VAULT_TOKEN='s.secret'\n");
                return "written";
            } catch (IOException e) {
                return "IOException: " + e.getMessage();
            }
        }
    }

    /**
     * {@link TryWrite} in a JVM that setpriv starts as nobody (uid and gid 65534, no supplementary groups), on a copy
     * of the classes it needs that nobody may read (the build's directories may lie under one only root may enter).
     */
    private static String writeAsNobody(Path file, Path classes) throws Exception {
        assertThat(isInstalled("setpriv"))
                .as("setpriv (util-linux) runs the read-only-directory case as nobody when the tests run as root")
                .isTrue();
        String classPath = copyClassesOf(VariablesFileWriter.class, classes.resolve("main"))
                + File.pathSeparator
                + copyClassesOf(TryWrite.class, classes.resolve("test"));
        try (Stream<Path> copied = Files.walk(classes)) {
            for (Path p : copied.toList()) {
                Files.setPosixFilePermissions(
                        p, PosixFilePermissions.fromString(Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
            }
        }
        Process process = new ProcessBuilder(
                        "setpriv",
                        "--reuid=" + NOBODY,
                        "--regid=" + NOBODY,
                        "--clear-groups",
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-XX:-UsePerfData",
                        "-XX:TieredStopAtLevel=1",
                        "-cp",
                        classPath,
                        TryWrite.class.getName(),
                        file.toString())
                .directory(classes.toFile())
                .redirectErrorStream(true)
                .start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS))
                .as("the JVM run as nobody ends")
                .isTrue();
        assertThat(process.exitValue())
                .as("the JVM run as nobody says: " + output)
                .isZero();
        return output.strip();
    }

    /**
     * The class files of the build directory (or the jar) a class was loaded from, copied under a directory: the
     * class path entry of the copy.
     */
    private static Path copyClassesOf(Class<?> type, Path to) throws Exception {
        Path from =
                Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI());
        Files.createDirectories(to);
        if (!Files.isDirectory(from)) {
            return Files.copy(from, to.resolve(from.getFileName().toString()));
        }
        try (Stream<Path> tree = Files.walk(from)) {
            for (Path p : tree.filter(p -> Files.isDirectory(p) || p.toString().endsWith(".class"))
                    .toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return to;
    }

    @Test
    void deletesTheTemporaryFileAndKeepsWhatWasThereWhenTheRenameFails() throws IOException {
        Path file = dir.resolve("variables");
        Files.createDirectory(file);
        Files.writeString(file.resolve("kept"), "kept");

        assertThatThrownBy(() -> VariablesFileWriter.write(file, "export VAULT_TOKEN='s.secret'\n"))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(file + " could not be written")
                .hasMessageNotContaining("s.secret");
        assertThat(filesIn(dir)).containsExactly("variables");
        assertThat(file.resolve("kept")).hasContent("kept");
    }

    @Test
    void neitherWritesNorChangesAFileATemporaryFileWasSwappedForALinkTo() throws IOException {
        Path file = dir.resolve("variables");
        Files.writeString(file, "export VAULT_TOKEN='s.old'\n");
        Path victim = Files.writeString(dir.resolve("victim"), "the victim's own content");
        Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("rw-------"));

        assertThatThrownBy(() -> VariablesFileWriter.write(
                        file, "export VAULT_TOKEN='s.secret'\n", VariablesFileWriter.DEFAULT_PERMISSIONS, tmp -> {
                            try { // another writer of the directory, right after the creation
                                Files.delete(tmp);
                                Files.createSymbolicLink(tmp, victim);
                            } catch (IOException e) {
                                throw new UncheckedIOException(e);
                            }
                        }))
                .isInstanceOf(IOException.class)
                .hasMessageContaining(file + " could not be written")
                .hasMessageNotContaining("s.secret");
        assertThat(victim).hasContent("the victim's own content");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(victim)))
                .isEqualTo("rw-------");
        assertThat(file).hasContent("export VAULT_TOKEN='s.old'\n");
        assertThat(filesIn(dir)).containsExactlyInAnyOrder("variables", "victim");
    }

    // ---- helpers ----
    private static Map<String, String> expectedValues() {
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("VAULT_TOKEN", TOKEN);
        HOSTILE.forEach(e -> expected.put(e.getKey(), e.getValue()));
        expected.put("LEASE_IDS", JOINED_LEASE_IDS);
        return expected;
    }

    /** Every ASCII character but NUL, which no environment variable can hold. */
    private static String everyAsciiCharacter() {
        StringBuilder all = new StringBuilder();
        for (char c = 1; c < 128; c++) {
            all.append(c);
        }
        return all.toString();
    }

    /** A long value drawn from the characters a shell treats specially, newlines and non-ASCII included. */
    private static String longHostileValue(int length) {
        String[] pieces = {
            "'", "\"", "\\", "$", "`", "\n", "\t", "$(", ")", "!", "*", " ", "é", "日本", "😀", "a", "Z", "-"
        };
        Random random = new Random(42);
        StringBuilder value = new StringBuilder(length + 2);
        while (value.length() < length) {
            value.append(pieces[random.nextInt(pieces.length)]);
        }
        return value.append('\n').toString();
    }

    private static boolean isInstalled(String program) {
        if (program.contains("/")) {
            return Files.isExecutable(Path.of(program));
        }
        return Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(p -> !p.isEmpty())
                .anyMatch(p -> Files.isExecutable(Path.of(p, program)));
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new AssertionError(file + " was not written", e);
        }
    }

    private static List<String> filesIn(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}

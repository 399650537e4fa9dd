package io.kubevaultauthrenewer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The pod's annotations file as the kubelet writes it (pkg/fieldpath/fieldpath.go, FormatMap: sorted key="value"
 * lines, the value quoted by Go's %q), read as settings the environment has not set.
 */
class PodAnnotationsTest {

    private static final Path FILE = Path.of("/etc/vault-renewer/annotations");

    @TempDir
    Path dir;

    private static Map<String, String> settings(String... lines) {
        return PodAnnotations.settings(String.join("\n", lines), FILE);
    }

    @ParameterizedTest(name = "{0} reads as {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "'\"plain\"'                | plain",
                "'\"a\\\"b\"'               | a\"b",
                "'\"a\\\\b\"'               | a\\b",
                "'\"\\u00e9t\\u00e9\"'      | été",
                "'\"été\"'                  | été",
                "'\"\\U0001f600\"'          | \uD83D\uDE00",
                "'\"\\x41\\x7f\"'           | A\u007f",
                "'\"\\101\\060\"'           | A0",
                "'\"\\xc3\\xa9\"'           | é",
            })
    void readsGoQuotedStrings(String quoted, String value) {
        assertThat(PodAnnotations.GoQuoted.unquote(quoted)).isEqualTo(value);
    }

    @Test
    void readsEveryControlCharacterEscapeGoQuotePrints() {
        assertThat(PodAnnotations.GoQuoted.unquote("\"\\a\\b\\f\\n\\r\\t\\v\\x00\\x1b\""))
                .isEqualTo("\007\b\f\n\r\t\013\000\033");
    }

    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "'\"a\\qb\"'       | unknown escape \\q at character 3",
                "'\"a\"b\"'        | a double quote without a backslash at character 3",
                "'\"abc'           | does not start and end with a double quote",
                "'\"\\x4\"'        | needs 2 hex digits",
                "'\"\\ud800\"'     | is not a Unicode code point",
                "'\"\\U00110000\"' | is not a Unicode code point",
                "'\"\\400\"'       | above \\377",
                "'\"abc\\\"'       | a backslash at the end, before the closing quote",
            })
    void refusesWhatGoWouldNotUnquote(String quoted, String message) {
        assertThatThrownBy(() -> PodAnnotations.GoQuoted.unquote(quoted))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message);
    }

    @Test
    void takesTheSettingsUnderThePrefixAndLeavesTheOtherAnnotations() {
        Map<String, String> settings = settings(
                "kube-vault-auth-renewer.io/SECRET_DB_PASSWORD=\"database/creds/my-app?password\"",
                "kube-vault-auth-renewer.io/VAULT_ADDR=\"https://vault.vault.svc:8200\"",
                "kube-vault-auth-renewer.io/inject=\"true\"",
                "kubectl.kubernetes.io/restartedAt=\"2026-12-06T04:00:00Z\"",
                "prometheus.io/scrape=\"true\"");

        assertThat(settings)
                .containsExactly(
                        Map.entry("SECRET_DB_PASSWORD", "database/creds/my-app?password"),
                        Map.entry("VAULT_ADDR", "https://vault.vault.svc:8200"));
    }

    @Test
    void readsTheSameSettingsWhateverTheOrderOfTheLines() {
        String a = "kube-vault-auth-renewer.io/RENEW_INTERVAL=\"3600\"";
        String b = "kube-vault-auth-renewer.io/VAULT_ADDR=\"https://vault:8200\"";
        String c = "other.example.com/note=\"a \\\"quoted\\\" note\\nover two lines\"";

        assertThat(settings(c, b, a)).isEqualTo(settings(a, b, c)).hasSize(2);
    }

    @Test
    void readsAFileWithATrailingNewlineOrNoAnnotations() {
        assertThat(PodAnnotations.settings("kube-vault-auth-renewer.io/RENEW_INTERVAL=\"60\"\n", FILE))
                .containsExactly(Map.entry("RENEW_INTERVAL", "60"));
        assertThat(PodAnnotations.settings("", FILE)).isEmpty();
    }

    @Test
    void leavesEveryValueTheEnvironmentSetsAndTakesTheAnnotationWhereItIsUnsetOrBlank() {
        Map<String, String> environment = Map.of("VAULT_ADDR", "https://from-env:8200", "RENEW_INTERVAL", " ");

        PodAnnotations.Merged merged = PodAnnotations.merge(
                FILE,
                environment,
                Map.of(
                        "VAULT_ADDR", "https://from-annotation:8200",
                        "RENEW_INTERVAL", "3600",
                        "SECRET_DB_PASSWORD", "database/creds/my-app?password"));

        assertThat(merged.environment())
                .containsEntry("VAULT_ADDR", "https://from-env:8200")
                .containsEntry("RENEW_INTERVAL", "3600")
                .containsEntry("SECRET_DB_PASSWORD", "database/creds/my-app?password");
        assertThat(merged.taken()).containsExactlyInAnyOrder("RENEW_INTERVAL", "SECRET_DB_PASSWORD");
        assertThat(merged.overridden()).containsExactly("VAULT_ADDR");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"VAULT_TOKEN", "KUBE_SA_TOKEN"})
    void refusesATokenInAnAnnotationNamingItAndNotItsValue(String name) {
        InvalidSettingsException bad = catchThrowableOfType(
                InvalidSettingsException.class,
                () -> settings(
                        "kube-vault-auth-renewer.io/VAULT_ADDR=\"https://vault:8200\"",
                        "kube-vault-auth-renewer.io/" + name + "=\"hvs.not-for-annotations\""));

        assertThat(bad.problems())
                .singleElement()
                .asString()
                .contains(
                        "RENEWER_ANNOTATIONS_FILE " + FILE + " line 2",
                        "annotation kube-vault-auth-renewer.io/" + name + " is refused",
                        "anyone who may get the pod reads it")
                .doesNotContain("hvs.not-for-annotations");
    }

    @Test
    void refusesANameUnderThePrefixThatIsNoSettingAndReportsEveryBadLineAtOnce() {
        InvalidSettingsException bad = catchThrowableOfType(
                InvalidSettingsException.class,
                () -> settings(
                        "kube-vault-auth-renewer.io/VAULT_ADR=\"https://vault:8200\"",
                        "kube-vault-auth-renewer.io/RENEWER_ANNOTATIONS_FILE=\"/elsewhere\"",
                        "kube-vault-auth-renewer.io/RENEW_INTERVAL=\"36\\q00\"",
                        "not an annotation line",
                        "kube-vault-auth-renewer.io/VAULT_NAMESPACE=unquoted"));

        assertThat(bad.problems())
                .containsExactly(
                        "RENEWER_ANNOTATIONS_FILE " + FILE + " line 1: annotation kube-vault-auth-renewer.io/VAULT_ADR"
                                + " names no setting (a setting's variable, such as VAULT_ADDR, SECRET_<NAME>, or"
                                + " inject)",
                        "RENEWER_ANNOTATIONS_FILE " + FILE + " line 2: annotation"
                                + " kube-vault-auth-renewer.io/RENEWER_ANNOTATIONS_FILE is refused: the file cannot"
                                + " name the file it is read from",
                        "RENEWER_ANNOTATIONS_FILE " + FILE + " line 3: annotation"
                                + " kube-vault-auth-renewer.io/RENEW_INTERVAL has a value that is not a Go quoted"
                                + " string: unknown escape \\q at character 4",
                        "RENEWER_ANNOTATIONS_FILE " + FILE + " line 4 is not an annotation (key=\"value\")",
                        "RENEWER_ANNOTATIONS_FILE " + FILE + " line 5 is not an annotation (key=\"value\")");
    }

    @Test
    void readsTheFileRenewerAnnotationsFileNames() throws IOException {
        Path file = Files.writeString(
                dir.resolve("annotations"),
                "kube-vault-auth-renewer.io/SECRET_API_KEY=\"kv/my-app?api-key\"\n"
                        + "kube-vault-auth-renewer.io/VAULT_ADDR=\"https://vault.vault.svc:8200\"",
                StandardCharsets.UTF_8);

        PodAnnotations.Merged merged =
                PodAnnotations.merge(Map.of("RENEWER_ANNOTATIONS_FILE", file.toString(), "RUN_ONCE", "true"));

        assertThat(merged.file()).isEqualTo(file);
        assertThat(merged.environment())
                .containsEntry("VAULT_ADDR", "https://vault.vault.svc:8200")
                .containsEntry("SECRET_API_KEY", "kv/my-app?api-key")
                .containsEntry("RUN_ONCE", "true");
    }

    @Test
    void leavesTheEnvironmentAsItIsWithoutAnAnnotationsFile() {
        Map<String, String> environment = Map.of("VAULT_ADDR", "https://vault:8200");

        PodAnnotations.Merged merged = PodAnnotations.merge(environment);

        assertThat(merged.environment()).isSameAs(environment);
        assertThat(merged.file()).isNull();
    }

    @Test
    void reportsAnAnnotationsFileThatCannotBeRead() {
        Path missing = dir.resolve("no-such-file");

        InvalidSettingsException bad = catchThrowableOfType(
                InvalidSettingsException.class,
                () -> PodAnnotations.merge(Map.of("RENEWER_ANNOTATIONS_FILE", missing.toString())));

        assertThat(bad.problems())
                .containsExactly("RENEWER_ANNOTATIONS_FILE=" + missing
                        + " cannot be read (NoSuchFileException): mount the downward API volume of"
                        + " metadata.annotations");
    }
}

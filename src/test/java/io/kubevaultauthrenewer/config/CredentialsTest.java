package io.kubevaultauthrenewer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class CredentialsTest {

    @TempDir
    Path dir;

    private Path file;

    // ---- lease ids ----
    @Test
    void splitsOnCommasAndTrimsEachId() {
        assertThat(Credentials.splitLeaseIds(" database/creds/app/a1 ,\tdatabase/creds/app/b2\n"))
                .containsExactly("database/creds/app/a1", "database/creds/app/b2");
    }

    @Test
    void dropsEmptyItems() {
        assertThat(Credentials.splitLeaseIds(",a/1,, ,b/2,")).containsExactly("a/1", "b/2");
    }

    @Test
    void countsADuplicateOnceKeepingTheFirstOrder() {
        assertThat(Credentials.splitLeaseIds("c/3,a/1,c/3, a/1 ,b/2")).containsExactly("c/3", "a/1", "b/2");
    }

    @Test
    void readsASingleId() {
        assertThat(Credentials.splitLeaseIds("aws/creds/deploy/xYz.ns1")).containsExactly("aws/creds/deploy/xYz.ns1");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {" ", ",", " , ,\n"})
    void givesNoIdsForANullOrBlankValue(String raw) {
        assertThat(Credentials.splitLeaseIds(raw)).isEmpty();
    }

    @Test
    void keepsItsOwnCopyOfTheIds() {
        List<String> ids = new ArrayList<>(List.of("a/1"));
        Credentials credentials = new Credentials("s.token", ids, "test");

        ids.add("b/2");

        assertThat(credentials.leaseIds()).containsExactly("a/1");
        assertThatThrownBy(() -> credentials.leaseIds().add("c/3")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void masksTheTokenInToString() {
        Credentials credentials = new Credentials("s.secret-token", List.of("a/1"), "VAULT_TOKEN from the environment");

        assertThat(credentials.toString())
                .doesNotContain("s.secret-token")
                .contains("token=****", "a/1", "VAULT_TOKEN from the environment");
    }

    // ---- credentials source ----
    private Credentials load(String environmentToken, String environmentLeaseIds) throws VariablesFileException {
        return source(environmentToken, environmentLeaseIds).load();
    }

    private CredentialsSource source(String environmentToken, String environmentLeaseIds) {
        Path variables = file != null ? file : dir.resolve("absent");
        return new CredentialsSource(new CredentialsSettings(environmentToken, environmentLeaseIds, variables));
    }

    private void writeFile(String content) throws IOException {
        file = Files.writeString(dir.resolve("variables"), content);
    }

    @Test
    void takesBothFromTheEnvironmentWhenThereIsNoFile() throws Exception {
        Credentials credentials = load("s.env", "a/1, b/2");

        assertThat(credentials.token()).isEqualTo("s.env");
        assertThat(credentials.leaseIds()).containsExactly("a/1", "b/2");
        assertThat(credentials.origin()).isEqualTo("VAULT_TOKEN from the environment, LEASE_IDS from the environment");
    }

    @Test
    void prefersTheFileOverTheEnvironment() throws Exception {
        writeFile("export VAULT_TOKEN=s.file\nexport LEASE_IDS=\"f/1,f/2\"\n");

        Credentials credentials = load("s.env", "e/1");

        assertThat(credentials.token()).isEqualTo("s.file");
        assertThat(credentials.leaseIds()).containsExactly("f/1", "f/2");
        assertThat(credentials.origin()).isEqualTo("VAULT_TOKEN from " + file + ", LEASE_IDS from " + file);
    }

    @Test
    void takesEachNameFromWhereverItIsSet() throws Exception {
        writeFile("export LEASE_IDS=f/1\n");

        Credentials credentials = load("s.env", "e/1");

        assertThat(credentials.token()).isEqualTo("s.env");
        assertThat(credentials.leaseIds()).containsExactly("f/1");
        assertThat(credentials.origin()).isEqualTo("VAULT_TOKEN from the environment, LEASE_IDS from " + file);
    }

    @Test
    void takesTheLeaseIdsFromTheEnvironmentWhenOnlyTheTokenIsInTheFile() throws Exception {
        writeFile("export VAULT_TOKEN=s.file\n");

        Credentials credentials = load(null, "e/1");

        assertThat(credentials.token()).isEqualTo("s.file");
        assertThat(credentials.leaseIds()).containsExactly("e/1");
    }

    @Test
    void letsAnEmptyLeaseIdsInTheFileClearTheEnvironmentOnes() throws Exception {
        writeFile("export VAULT_TOKEN=s.file\nexport LEASE_IDS=\n");

        assertThat(load(null, "e/1").leaseIds()).isEmpty();
    }

    @Test
    void stripsWhitespaceAroundTheToken() throws Exception {
        writeFile("export VAULT_TOKEN=\"  s.file\n\"\n");

        assertThat(load(null, "").token()).isEqualTo("s.file");
        assertThat(load("", "").token()).isEqualTo("s.file");
    }

    @Test
    void readsTheFileAnewOnEachLoad() throws Exception {
        writeFile("export VAULT_TOKEN=s.first\n");
        assertThat(load(null, "").token()).isEqualTo("s.first");

        writeFile("export VAULT_TOKEN=s.second\nexport LEASE_IDS=n/1\n");

        Credentials credentials = load(null, "");
        assertThat(credentials.token()).isEqualTo("s.second");
        assertThat(credentials.leaseIds()).containsExactly("n/1");
    }

    @Test
    void failsWhenTheFileIsGoneAfterItWasReadInsteadOfFallingBackToTheEnvironment() throws Exception {
        writeFile("export VAULT_TOKEN=s.file\nexport LEASE_IDS=f/1\n");
        CredentialsSource source = source("s.env", "");
        assertThat(source.load().leaseIds()).containsExactly("f/1");

        Files.delete(file);

        assertThatThrownBy(source::load)
                .isInstanceOf(VariablesFileException.class)
                .hasMessage(file + " no longer exists");
        assertThatThrownBy(source::load).hasMessage(file + " no longer exists");
        writeFile("export VAULT_TOKEN=s.again\n");
        assertThat(source.load().token()).isEqualTo("s.again");
    }

    @Test
    void failsWhenNoTokenIsFoundAndSaysTheFileIsMissing() {
        assertThatThrownBy(() -> load(null, "a/1"))
                .isInstanceOf(VariablesFileException.class)
                .hasMessageStartingWith("VAULT_TOKEN")
                .hasMessageContaining(dir.resolve("absent").toString())
                .hasMessageContaining("(no such file)");
    }

    @Test
    void failsWhenTheTokenIsBlankEverywhere() throws IOException {
        writeFile("export LEASE_IDS=a/1\n");

        assertThatThrownBy(() -> load("   ", ""))
                .isInstanceOf(VariablesFileException.class)
                .hasMessageStartingWith("VAULT_TOKEN")
                .hasMessageNotContaining("no such file");
    }

    @Test
    void failsWhenTheFileCannotBeParsed() throws IOException {
        writeFile("export VAULT_TOKEN='s.half");

        assertThatThrownBy(() -> load("s.env", ""))
                .isInstanceOf(VariablesFileException.class)
                .hasMessageContaining(file + " line 1")
                .hasMessageNotContaining("s.half");
    }

    @Test
    void failsWhenTheFileIsADirectory() {
        file = dir;

        assertThatThrownBy(() -> load("s.env", ""))
                .isInstanceOf(VariablesFileException.class)
                .hasMessageContaining("directory");
    }

    @Test
    void keepsTheTokenOutOfTheCredentialsText() throws Exception {
        writeFile("export VAULT_TOKEN=s.file-secret\n");

        Credentials credentials = load(null, "");

        assertThat(credentials.toString()).doesNotContain("s.file-secret");
        assertThat(credentials.origin()).doesNotContain("s.file-secret");
    }
}

package io.kubevaultauthrenewer.init;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The secrets' route steps, without Camel: where each path is read, and what each answer gives. */
class SecretReadsTest {

    @TempDir
    Path dir;

    private SecretReads reads;

    @BeforeEach
    void settings() {
        reads = new SecretReads(PodEnvironment.settings(
                dir,
                "VAULT_TOKEN",
                "hvs.given",
                "SECRET_DB_USERNAME",
                "database/creds/app?username",
                "SECRET_DB_PASSWORD",
                "database/creds/app?password",
                "SECRET_API_KEY",
                "secret/app?key"));
    }

    @Test
    void readsEachPathOnce() {
        assertThat(reads.paths()).containsExactlyInAnyOrder("database/creds/app", "secret/app");
        assertThat(reads.variables("database/creds/app")).contains("SECRET_DB_USERNAME", "SECRET_DB_PASSWORD");
    }

    @Test
    void readsAKvVersion2PathUnderData() {
        String mounts = "{\"data\":{\"path\":\"secret/\",\"type\":\"kv\",\"options\":{\"version\":\"2\"}}}";

        assertThat(reads.readPath("secret/app", 200, mounts)).isEqualTo("secret/data/app");
        assertThat(reads.readPath("secret/app", 403, mounts))
                .as("no answer: as given")
                .isEqualTo("secret/app");
        assertThat(reads.readPath("secret/app", 200, "{\"data\":{\"path\":\"secret/\",\"type\":\"kv\"}}"))
                .as("version 1")
                .isEqualTo("secret/app");
    }

    @Test
    void refusesALeaseIdWithALineBreakNamingThePathAndTheCharacter() {
        String answer = "{\"lease_id\":\"database/creds/app/1\\nexport VAULT_TOKEN=forged\",\"lease_duration\":3600,"
                + "\"renewable\":true,\"data\":{\"username\":\"u\",\"password\":\"p\"}}";

        assertThatThrownBy(() -> reads.read("database/creds/app", "database/creds/app", answer))
                .isInstanceOf(InitProblem.class)
                .hasMessageStartingWith(
                        "database/creds/app: the lease_id Vault answered holds the control character U+000A at position 21")
                .hasMessageNotContaining("forged");
        assertThat(reads.leaseIds()).isEmpty();
    }

    @Test
    void takesEveryFieldOfOneAnswerAndItsLeaseIdOnce() throws Exception {
        String answer = "{\"lease_id\":\"database/creds/app/1\",\"lease_duration\":3600,\"renewable\":true,"
                + "\"data\":{\"username\":\"u\",\"password\":\"p\"}}";

        reads.read("database/creds/app", "database/creds/app", answer);
        reads.read(
                "secret/app", "secret/data/app", "{\"data\":{\"data\":{\"key\":\"k\"},\"metadata\":{\"version\":3}}}");

        assertThat(reads.values()).containsEntry("DB_USERNAME", "u").containsEntry("DB_PASSWORD", "p");
        assertThat(reads.values()).containsEntry("API_KEY", "k");
        assertThat(reads.leaseIds()).containsExactly("database/creds/app/1");
    }

    @Test
    void namesTheFieldsAPathHoldsWhenOneIsMissing() {
        assertThatThrownBy(() -> reads.read("secret/app", "secret/app", "{\"data\":{\"other\":\"x\"}}"))
                .isInstanceOf(InitProblem.class)
                .hasMessage("SECRET_API_KEY: secret/app has no field 'key' (its fields: other)");
    }
}

package io.kubevaultauthrenewer.init;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubevaultauthrenewer.vault.VaultHttpHeaders;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The secrets' route steps, without Camel: where each path is read, and what each answer gives. */
class SecretReadsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String V1 = "{\"data\":{\"path\":\"secret/\",\"type\":\"kv\"}}";
    private static final String V2 =
            "{\"data\":{\"path\":\"secret/\",\"type\":\"kv\",\"options\":{\"version\":\"2\"}}}";

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
        assertThat(reads.readPath("secret/app", 200, V1)).as("version 1").isEqualTo("secret/app");
    }

    /**
     * One path as the route and the HTTP client read it: where (the read then awaited), the answer through the client
     * (SecretAnswers), then the route's step with what the client left; gives what the route read.
     */
    private String readThrough(String path, String mounts, String answer) throws Exception {
        String readPath = reads.readPath(path, 200, mounts);
        assertThat(reads.awaits(readPath)).as("awaited at the HTTP client").isTrue();
        JsonNode node = JSON.readTree(answer);
        reads.answered(readPath, node);
        reads.read(path, readPath, node.toString());
        assertThat(reads.awaits(readPath)).as("awaited no more").isFalse();
        return node.toString();
    }

    @Test
    void refusesALeaseIdWithALineBreakNamingThePathAndTheCharacter() {
        String answer = "{\"lease_id\":\"database/creds/app/1\\nexport VAULT_TOKEN=forged\",\"lease_duration\":3600,"
                + "\"renewable\":true,\"data\":{\"username\":\"u\",\"password\":\"p\"}}";

        assertThatThrownBy(() -> readThrough("database/creds/app", "{}", answer))
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

        readThrough("database/creds/app", "{}", answer);
        readThrough("secret/app", V2, "{\"data\":{\"data\":{\"key\":\"k\"},\"metadata\":{\"version\":3}}}");

        assertThat(reads.values()).containsEntry("DB_USERNAME", "u").containsEntry("DB_PASSWORD", "p");
        assertThat(reads.values()).containsEntry("API_KEY", "k");
        assertThat(reads.leaseIds()).containsExactly("database/creds/app/1");
    }

    @Test
    void namesTheFieldsAPathHoldsWhenOneIsMissing() {
        assertThatThrownBy(() -> readThrough("secret/app", V1, "{\"data\":{\"other\":\"x\"}}"))
                .isInstanceOf(InitProblem.class)
                .hasMessage("SECRET_API_KEY: secret/app has no field 'key' (its fields: other)");
    }

    @Test
    void leavesNoValueOfTheAnswerToTheRouteNotEvenOfAFieldNoVariableNames() throws Exception {
        String left = readThrough(
                "secret/app",
                V2,
                "{\"data\":{\"data\":{\"key\":\"k-value\",\"other\":{\"nested\":\"n-value\"},\"n\":42},"
                        + "\"metadata\":{\"version\":3}}}");

        assertThat(left).doesNotContain("k-value", "n-value", "42");
        assertThat(JSON.readTree(left).path("data").path("data").path("key").asText())
                .isEqualTo(VaultHttpHeaders.REDACTED);
        assertThat(JSON.readTree(left)
                        .path("data")
                        .path("metadata")
                        .path("version")
                        .asInt())
                .as("the version stays, for the log line")
                .isEqualTo(3);
        assertThat(reads.values()).containsEntry("API_KEY", "k-value");
    }

    @Test
    void refusesAnAnswerThatDidNotComeThroughTheHttpClient() {
        String readPath = reads.readPath("secret/app", 200, V1);

        assertThatThrownBy(() -> reads.read("secret/app", readPath, "{\"data\":{\"key\":\"k\"}}"))
                .isInstanceOf(InitProblem.class)
                .hasMessageContaining("secret/app")
                .hasMessageNotContaining("\"k\"");
        assertThat(reads.values()).isEmpty();
    }
}

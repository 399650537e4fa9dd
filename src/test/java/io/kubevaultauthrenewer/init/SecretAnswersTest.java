package io.kubevaultauthrenewer.init;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The secrets' values at the HTTP client: an awaited read's answer kept by SecretReads, only names left for Camel. */
class SecretAnswersTest {

    private static final String VAULT = "https://vault.example.com:8200/prefix";
    private static final String SECRET = "{\"data\":{\"key\":\"s3cr3t value\",\"other\":\"o-value\"}}";

    @TempDir
    Path dir;

    private SecretReads reads;
    private SecretAnswers answers;

    @BeforeEach
    void settings() {
        reads = new SecretReads(
                PodEnvironment.settings(dir, "VAULT_TOKEN", "hvs.given", "SECRET_API_KEY", "my-app/x?key"));
        answers = new SecretAnswers(VAULT, reads);
    }

    private String call(String method, String uri, int status, String answer) throws Exception {
        ClassicHttpRequest request = new BasicClassicHttpRequest(method, uri);
        ClassicHttpResponse response = answers.execute(request, null, (req, scope) -> {
            BasicClassicHttpResponse r = new BasicClassicHttpResponse(status);
            r.setEntity(new StringEntity(answer, ContentType.APPLICATION_JSON));
            return r;
        });
        return EntityUtils.toString(response.getEntity());
    }

    @Test
    void keepsTheAwaitedReadsValuesAndLeavesOnlyTheirNames() throws Exception {
        String readPath = reads.readPath("my-app/x", 200, "{}");

        String left = call("GET", VAULT + "/v1/my-app/x", 200, SECRET);
        reads.read("my-app/x", readPath, left);

        assertThat(left).doesNotContain("s3cr3t value", "o-value").contains("\"key\"", "\"other\"");
        assertThat(reads.values()).containsEntry("API_KEY", "s3cr3t value");
    }

    @Test
    void leavesAnswersItDoesNotAwaitAlone() throws Exception {
        reads.readPath("my-app/x", 200, "{}");

        assertThat(call("GET", VAULT + "/v1/sys/internal/ui/mounts/my-app/x", 200, SECRET))
                .as("another path")
                .contains("s3cr3t value");
        assertThat(call("GET", "https://vault.example.com:8200/v1/my-app/x", 200, SECRET))
                .as("outside VAULT_ADDR's prefix")
                .contains("s3cr3t value");
        assertThat(call("GET", VAULT + "/v1/my-app/x", 403, "{\"errors\":[\"permission denied\"]}"))
                .as("a refusal")
                .contains("permission denied");
    }

    @Test
    void refusesAnAnswerThatIsNotJsonWithoutQuotingIt() {
        reads.readPath("my-app/x", 200, "{}");

        assertThatThrownBy(() -> call("GET", VAULT + "/v1/my-app/x", 200, "key=s3cr3t"))
                .isInstanceOf(IOException.class)
                .hasMessage("Vault's answer is not JSON (HTTP 200)");
    }
}

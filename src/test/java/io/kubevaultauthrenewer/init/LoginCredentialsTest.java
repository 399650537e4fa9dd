package io.kubevaultauthrenewer.init;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubevaultauthrenewer.vault.VaultHttpHeaders;
import io.kubevaultauthrenewer.vault.VaultToken;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;
import org.apache.hc.core5.http.message.BasicClassicHttpResponse;
import org.junit.jupiter.api.Test;

/** The login's secrets at the HTTP client: added to the login requests, taken out of the answers, on the same paths. */
class LoginCredentialsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VAULT = "https://vault.example.com:8200/prefix";

    private final VaultToken token = new VaultToken();
    private final LoginPaths paths = new LoginPaths("k8s-prod", "app");
    private final LoginCredentials credentials = new LoginCredentials(VAULT, paths, () -> "the-jwt", token);
    private final AtomicReference<String> sent = new AtomicReference<>();

    private String call(String method, String path, String requestBody, String answer) throws Exception {
        ClassicHttpRequest request = new BasicClassicHttpRequest(method, VAULT + "/v1/" + path);
        request.setEntity(new StringEntity(requestBody, ContentType.APPLICATION_JSON));
        ClassicHttpResponse response = credentials.execute(request, null, (req, scope) -> {
            sent.set(EntityUtils.toString(req.getEntity()));
            BasicClassicHttpResponse r = new BasicClassicHttpResponse(200);
            r.setEntity(new StringEntity(answer, ContentType.APPLICATION_JSON));
            return r;
        });
        return EntityUtils.toString(response.getEntity());
    }

    @Test
    void addsTheJwtToTheKubernetesLoginAndTakesTheTokenOut() throws Exception {
        String answer = call(
                "POST", paths.kubernetesLogin(), "{\"role\":\"app\"}", "{\"auth\":{\"client_token\":\"hvs.secret\"}}");

        assertThat(JSON.readTree(sent.get()).path("jwt").asText()).isEqualTo("the-jwt");
        assertThat(JSON.readTree(sent.get()).path("role").asText()).isEqualTo("app");
        assertThat(token.get()).isEqualTo("hvs.secret");
        assertThat(answer).doesNotContain("hvs.secret").contains(VaultHttpHeaders.REDACTED);
    }

    @Test
    void carriesTheRoleIdAndSecretIdFromTheirAnswersIntoTheAppRoleLogin() throws Exception {
        String roleId = call("GET", paths.appRoleRoleId(), "", "{\"data\":{\"role_id\":\"rid\"}}");
        String secretId = call("POST", paths.appRoleSecretId(), "{}", "{\"data\":{\"secret_id\":\"sid\"}}");
        call("POST", LoginPaths.APPROLE_LOGIN, "{}", "{\"auth\":{\"client_token\":\"hvs.approle\"}}");

        assertThat(roleId).doesNotContain("rid");
        assertThat(secretId).doesNotContain("sid");
        assertThat(JSON.readTree(sent.get()).path("role_id").asText()).isEqualTo("rid");
        assertThat(JSON.readTree(sent.get()).path("secret_id").asText()).isEqualTo("sid");
        assertThat(token.get()).isEqualTo("hvs.approle");
    }

    @Test
    void leavesOtherCallsAlone() throws Exception {
        String answer = call("GET", "secret/app", "", "{\"data\":{\"client_token\":\"kept\"}}");

        assertThat(answer).contains("kept");
        assertThat(token.get()).isNull();
    }

    @Test
    void namesTheLoginPathsTheRoutesCall() {
        assertThat(paths.kubernetesLogin()).isEqualTo("auth/k8s-prod/login");
        assertThat(paths.appRoleRoleId()).isEqualTo("auth/approle/role/app/role-id");
        assertThat(paths.appRoleSecretId()).isEqualTo("auth/approle/role/app/secret-id");
        assertThat(LoginPaths.APPROLE_LOGIN).isEqualTo("auth/approle/login");
    }

    @Test
    void prefersKubeSaTokenToTheFile() {
        assertThat(LoginCredentials.jwt(" given \n", null).get()).isEqualTo("given");
    }
}

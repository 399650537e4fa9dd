package io.kubevaultauthrenewer.init;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kubevaultauthrenewer.config.Durations;
import io.kubevaultauthrenewer.vault.VaultHttpHeaders;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.camel.Body;
import org.apache.camel.Variable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The login's route steps: which login to make, the requests' visible parts (the secret parts are added by
 * {@link LoginCredentials} at the HTTP client), and one INFO line per login (accessor, policies, TTL; never the token).
 */
public final class InitLogin {

    private static final Logger LOG = LoggerFactory.getLogger(InitLogin.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final InitSettings settings;

    public InitLogin(InitSettings settings) {
        this.settings = settings;
    }

    /** Route step: {@code token}, {@code approle} or {@code kubernetes}. */
    public String method() {
        return settings.login().name().toLowerCase(java.util.Locale.ROOT);
    }

    /** Route step: the Kubernetes login's body; the JWT is added at the HTTP client. */
    public String kubernetesRequest() {
        return JSON.createObjectNode().put("role", settings.kubernetesRole()).toString();
    }

    /** Route step: a login answered; checks it gave a token and says so. */
    public void loggedIn(@Body String answer, @Variable("login") String login) throws IOException {
        JsonNode auth = JSON.readTree(answer).path("auth");
        String what = login.equals("kubernetes")
                ? "Kubernetes auth (auth/" + settings.kubernetesAuthPath() + ", role " + settings.kubernetesRole() + ")"
                : "AppRole " + settings.appRole();
        if (!VaultHttpHeaders.REDACTED.equals(auth.path("client_token").asText())) {
            throw new InitProblem("Login with " + what + " gave no token: Vault's answer has no auth.client_token");
        }
        List<String> policies = new ArrayList<>();
        auth.path("policies").forEach(p -> policies.add(p.asText()));
        long ttl = auth.path("lease_duration").asLong();
        LOG.info(
                "Logged in with {}: token accessor {}, policies {}, ttl {}{}",
                what,
                auth.path("accessor").asText("unknown"),
                policies,
                Durations.format(ttl),
                auth.path("renewable").asBoolean() ? ", renewable" : ", not renewable");
    }

    /** Route step: the role-id or secret-id answered (its value was taken out at the HTTP client). */
    public void appRoleRead(@Body String answer, @Variable("field") String field) throws IOException {
        if (!VaultHttpHeaders.REDACTED.equals(
                JSON.readTree(answer).path("data").path(field).asText())) {
            throw new InitProblem("AppRole " + settings.appRole() + ": Vault's answer has no data." + field);
        }
    }
}

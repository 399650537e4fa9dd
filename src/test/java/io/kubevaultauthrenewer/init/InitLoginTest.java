package io.kubevaultauthrenewer.init;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kubevaultauthrenewer.vault.VaultHttpHeaders;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The login's route steps, without Camel: which login, its request, and whether an answer gave a token. */
class InitLoginTest {

    @TempDir
    Path dir;

    private InitLogin login(String... pairs) {
        return new InitLogin(PodEnvironment.settings(dir, pairs));
    }

    @Test
    void choosesTheLoginFromTheSettings() {
        assertThat(login("VAULT_TOKEN", "hvs.given").method()).isEqualTo("token");
        assertThat(login("KUBE_SA_TOKEN", "jwt", "VAULT_LOGIN_ROLE", "r").method())
                .isEqualTo("approle");
        assertThat(login("KUBE_SA_TOKEN", "jwt", "VAULT_LOGIN_ROLE", "r", "VAULT_LOGIN_METHOD", "kubernetes")
                        .method())
                .isEqualTo("kubernetes");
    }

    @Test
    void asksForTheKubernetesRoleWithoutTheJwt() {
        InitLogin step = login("KUBE_SA_TOKEN", "jwt", "KUBERNETES_ROLE", "kube", "APPROLE_ROLE", "app");

        assertThat(step.kubernetesRequest()).isEqualTo("{\"role\":\"kube\"}");
    }

    @Test
    void acceptsALoginWhoseTokenTheClientTookOut() throws Exception {
        InitLogin step = login("KUBE_SA_TOKEN", "jwt", "VAULT_LOGIN_ROLE", "r");

        step.loggedIn(
                "{\"auth\":{\"client_token\":\"" + VaultHttpHeaders.REDACTED + "\",\"accessor\":\"a\"}}", "kubernetes");
    }

    @Test
    void refusesALoginAnswerWithoutAToken() {
        InitLogin step = login("KUBE_SA_TOKEN", "jwt", "VAULT_LOGIN_ROLE", "r");

        assertThatThrownBy(() -> step.loggedIn("{\"auth\":{}}", "approle"))
                .isInstanceOf(InitProblem.class)
                .hasMessageContaining("gave no token");
    }

    @Test
    void refusesAnAppRoleAnswerWithoutTheField() {
        InitLogin step = login("KUBE_SA_TOKEN", "jwt", "VAULT_LOGIN_ROLE", "r");

        assertThatThrownBy(() -> step.appRoleRead("{\"data\":{}}", "secret_id"))
                .isInstanceOf(InitProblem.class)
                .hasMessageContaining("data.secret_id");
    }
}

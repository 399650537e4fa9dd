package io.kubevaultauthrenewer.init;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kubevaultauthrenewer.config.InvalidSettingsException;
import io.kubevaultauthrenewer.init.InitSettings.Login;
import io.kubevaultauthrenewer.init.InitSettings.SecretRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The init mode's settings: the original kube-vault-auth-init's variables, read and validated at start-up. */
class InitSettingsTest {

    private static final String JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl";

    @TempDir
    Path dir;

    private final Map<String, String> env = new HashMap<>();

    @BeforeEach
    void pod() {
        env.put("VAULT_ADDR", "https://vault.vault.svc:8200");
        env.put("VARIABLES_FILE", dir.resolve("variables").toString());
        env.put("RENEWER_SERVICE_ACCOUNT_DIR", dir.resolve("no-service-account").toString());
    }

    private InitSettings load() {
        return InitSettings.load(env, key -> Optional.empty());
    }

    private InvalidSettingsException loadFails() {
        return catchThrowableOfType(InvalidSettingsException.class, this::load);
    }

    @Test
    void logsInTwoStagesWithTheLoginRoleForBothByDefaultAsTheOriginal() {
        env.put("KUBE_SA_TOKEN", JWT);
        env.put("VAULT_LOGIN_ROLE", "my-app-role");

        InitSettings settings = load();

        assertThat(settings.login()).isEqualTo(Login.APPROLE);
        assertThat(settings.kubernetesAuthPath()).isEqualTo("kubernetes");
        assertThat(settings.kubernetesRole()).isEqualTo("my-app-role");
        assertThat(settings.appRole()).isEqualTo("my-app-role");
        assertThat(settings.secrets()).isEmpty();
        assertThat(settings.toString()).doesNotContain(JWT);
    }

    @Test
    void takesEachRoleAndTheAuthPathWhenGivenAndTheDirectKubernetesLoginOnRequest() throws IOException {
        Path sa = Files.createDirectories(dir.resolve("sa"));
        Files.writeString(sa.resolve("token"), JWT);
        env.put("RENEWER_SERVICE_ACCOUNT_DIR", sa.toString());
        env.put("VAULT_LOGIN_ROLE", "ignored");
        env.put("KUBERNETES_ROLE", "kube");
        env.put("APPROLE_ROLE", "app");
        env.put("KUBERNETES_AUTH_PATH", "/k8s-prod/");

        assertThat(load())
                .extracting(InitSettings::kubernetesRole, InitSettings::appRole, InitSettings::kubernetesAuthPath)
                .containsExactly("kube", "app", "k8s-prod");
        env.put("VAULT_LOGIN_METHOD", "kubernetes");
        assertThat(load().login()).isEqualTo(Login.KUBERNETES);
    }

    @Test
    void needsNoLoginWhenAVaultTokenIsGivenAndKeepsItOutOfItsText() {
        env.put("VAULT_TOKEN", "hvs.given-token");

        InitSettings settings = load();

        assertThat(settings.login()).isEqualTo(Login.TOKEN);
        assertThat(settings.givenToken()).isEqualTo("hvs.given-token");
        assertThat(settings.toString()).doesNotContain("hvs.given-token");
    }

    @Test
    void readsEverySecretVariableWithItsFieldAndEachPathOnce() {
        env.put("VAULT_TOKEN", "hvs.given-token");
        env.put("SECRET_DB_USERNAME", "database/creds/my-role?username");
        env.put("SECRET_DB_PASSWORD", "database/creds/my-role?password");
        env.put("SECRET_MY_SECRET", "secret-v1/some/secret");
        env.put("SECRET_CA", "/v1/auth/kubernetes/config?kubernetes_ca_cert");

        InitSettings settings = load();

        assertThat(settings.secrets())
                .containsExactly(
                        new SecretRef("SECRET_CA", "CA", "auth/kubernetes/config", "kubernetes_ca_cert"),
                        new SecretRef("SECRET_DB_PASSWORD", "DB_PASSWORD", "database/creds/my-role", "password"),
                        new SecretRef("SECRET_DB_USERNAME", "DB_USERNAME", "database/creds/my-role", "username"),
                        new SecretRef("SECRET_MY_SECRET", "MY_SECRET", "secret-v1/some/secret", "value"));
        assertThat(settings.paths())
                .containsExactly("auth/kubernetes/config", "database/creds/my-role", "secret-v1/some/secret");
    }

    @Test
    void reportsNoWayToLogInAndNoRoleAsTheOriginalDid() {
        assertThat(loadFails().problems())
                .containsExactly(
                        "No way to log in: set VAULT_TOKEN or KUBE_SA_TOKEN, or mount the service account's token at "
                                + dir.resolve("no-service-account/token") + " (automountServiceAccountToken)",
                        "KUBERNETES_ROLE or VAULT_LOGIN_ROLE is required: the Kubernetes auth role to log in with",
                        "APPROLE_ROLE or VAULT_LOGIN_ROLE is required: the AppRole whose token is written (or"
                                + " VAULT_LOGIN_METHOD=kubernetes to keep Kubernetes auth's token)");
    }

    @Test
    void refusesAnAppRoleOrAnAuthPathThatWouldLeadToAnotherEndpoint() {
        env.put("KUBE_SA_TOKEN", JWT);
        env.put("KUBERNETES_ROLE", "kube");
        env.put("APPROLE_ROLE", "app/../../../sys/seal");
        env.put("KUBERNETES_AUTH_PATH", "kubernetes/../../sys/raw");

        assertThat(loadFails().problems())
                .containsExactlyInAnyOrder(
                        "KUBERNETES_AUTH_PATH=kubernetes/../../sys/raw is not a mount path (letters, digits and . _ ~"
                                + " : @ + - between single slashes, no '..')",
                        "APPROLE_ROLE=app/../../../sys/seal is not an AppRole name (letters, digits, '_', and '.' or"
                                + " '-' inside, as Vault's role names)");
        env.put("APPROLE_ROLE", "my-app.v2_role");
        env.put("KUBERNETES_AUTH_PATH", "clusters/prod-eu");
        assertThat(load())
                .extracting(InitSettings::appRole, InitSettings::kubernetesAuthPath)
                .containsExactly("my-app.v2_role", "clusters/prod-eu");
        for (String bad : new String[] {"-app", "app.", "app role", "app?x=1", "app%2F.."}) {
            env.put("APPROLE_ROLE", bad);
            assertThat(loadFails().problems())
                    .as(bad)
                    .singleElement()
                    .asString()
                    .startsWith("APPROLE_ROLE=" + bad);
        }
    }

    @Test
    void reportsEveryBadSecretVariableByNameAndNeverItsNeighboursValues() {
        env.put("VAULT_TOKEN", "hvs.given-token");
        env.put("SECRET_", "secret/x");
        env.put("SECRET_VAULT_TOKEN", "secret/x");
        env.put("SECRET_PATH", "secret/x");
        env.put("SECRET_EMPTY", " ");
        env.put("SECRET_DOTS", "secret/../sys/raw");
        env.put("SECRET_FIELD", "secret/x?a b");
        env.put("VAULT_LOGIN_METHOD", "ldap");

        assertThat(loadFails().problems())
                .containsExactlyInAnyOrder(
                        "SECRET_ does not give a shell variable name after SECRET_",
                        "SECRET_DOTS=secret/../sys/raw is not a Vault path",
                        "SECRET_EMPTY names no Vault path (e.g. secret/my-app/db?password)",
                        "SECRET_FIELD: field 'a b' is not a field name",
                        "SECRET_PATH would set PATH, which changes how the app's shell runs once it sources the file:"
                                + " export the secret under another name",
                        "SECRET_VAULT_TOKEN would overwrite VAULT_TOKEN, which the file holds for the renewer");
    }

    @Test
    void reportsTheSharedSettingsAsTheRenewerDoes() {
        env.put("VAULT_TOKEN", "hvs.given-token");
        env.put("VAULT_ADDR", "vault:8200");
        env.put("RENEWER_RETRY_ATTEMPTS", "eleven");

        assertThat(loadFails().problems())
                .containsExactly(
                        "VAULT_ADDR=vault:8200 is not an http:// or https:// URL",
                        "RENEWER_RETRY_ATTEMPTS=eleven must be a whole number from 0 to 10");
    }
}

package io.kubevaultauthrenewer.init;

import org.apache.camel.spi.PropertiesComponent;

/**
 * The init's Vault login paths, written here once: the routes call them through the properties {@link #bind} sets,
 * and {@link LoginCredentials} recognises the same calls at the HTTP client, so editing one cannot break the other.
 * Each is relative to {@code <VAULT_ADDR>/v1/}.
 *
 * @param kubernetesAuthPath the Kubernetes auth method's mount
 * @param appRole the AppRole's name; null without an AppRole login
 */
public record LoginPaths(String kubernetesAuthPath, String appRole) {

    /** The AppRole login. */
    public static final String APPROLE_LOGIN = "auth/approle/login";

    /** The Kubernetes login: {@code auth/<mount>/login}. */
    public String kubernetesLogin() {
        return "auth/" + kubernetesAuthPath + "/login";
    }

    /** Where the AppRole's role-id is read. */
    public String appRoleRoleId() {
        return appRolePath() + "/role-id";
    }

    /** Where a fresh secret-id of the AppRole is made. */
    public String appRoleSecretId() {
        return appRolePath() + "/secret-id";
    }

    private String appRolePath() {
        return "auth/approle/role/" + (appRole == null ? "none" : appRole);
    }

    /** Names the paths for the routes: {@code renewer.init.<name>-path}. */
    void bind(PropertiesComponent properties) {
        properties.addOverrideProperty("renewer.init.kubernetes-login-path", kubernetesLogin());
        properties.addOverrideProperty("renewer.init.approle-role-id-path", appRoleRoleId());
        properties.addOverrideProperty("renewer.init.approle-secret-id-path", appRoleSecretId());
        properties.addOverrideProperty("renewer.init.approle-login-path", APPROLE_LOGIN);
    }
}

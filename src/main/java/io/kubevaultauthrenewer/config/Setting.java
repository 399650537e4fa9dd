package io.kubevaultauthrenewer.config;

/**
 * Every setting the renewer reads: the environment variable (the original image's names where it had one) and the
 * {@code application.properties} key. The environment wins over the properties file; defaults are in {@link Settings}.
 */
public enum Setting {
    VAULT_ADDR("renewer.vault-addr"),
    RENEW_INTERVAL("renewer.renew-interval"),
    VAULT_TOKEN("renewer.vault-token"),
    LEASE_IDS("renewer.lease-ids"),
    VARIABLES_FILE("renewer.variables-file"),
    RUN_ONCE("renewer.run-once"),
    VAULT_NAMESPACE("renewer.vault-namespace"),
    RENEWER_CONNECT_TIMEOUT("renewer.connect-timeout"),
    RENEWER_RESPONSE_TIMEOUT("renewer.response-timeout"),
    RENEWER_RETRY_ATTEMPTS("renewer.retry-attempts"),
    RENEWER_RETRY_DELAY("renewer.retry-delay"),
    RENEWER_RETRY_MAX_DELAY("renewer.retry-max-delay"),
    CAMEL_MANAGEMENT_HOST("camel.management.host"),
    CAMEL_MANAGEMENT_PORT("camel.management.port"),
    ROUTES_DIR("renewer.routes-dir"),
    ROUTES_RELOAD("renewer.routes-reload"),
    REVOKE_ON_SHUTDOWN("renewer.revoke-on-shutdown"),
    VAULT_CACERT("renewer.vault-cacert"),
    VAULT_CAPATH("renewer.vault-capath"),
    VAULT_CLIENT_CERT("renewer.vault-client-cert"),
    VAULT_CLIENT_KEY("renewer.vault-client-key"),
    VAULT_SKIP_VERIFY("renewer.vault-skip-verify"),
    VAULT_TLS_SERVER_NAME("renewer.vault-tls-server-name"),
    VAULT_CLIENT_TIMEOUT("renewer.vault-client-timeout"),
    VAULT_MAX_RETRIES("renewer.vault-max-retries"),
    RENEWER_BACKOFF_INITIAL("renewer.backoff-initial"),
    RENEWER_BACKOFF_MAX("renewer.backoff-max"),
    RENEWER_MAX_REQUESTS_PER_SECOND("renewer.max-requests-per-second"),
    RENEWER_JITTER("renewer.jitter"),
    RENEWER_REDIRECT_HOSTS("renewer.redirect-hosts"),
    EVICT_BEFORE_EXPIRY("renewer.evict-before-expiry"),
    POD_NAME("renewer.pod-name"),
    POD_NAMESPACE("renewer.pod-namespace"),
    KUBERNETES_SERVICE_HOST("renewer.kubernetes-service-host"),
    KUBERNETES_SERVICE_PORT_HTTPS("renewer.kubernetes-service-port-https"),
    RENEWER_SERVICE_ACCOUNT_DIR("renewer.service-account-dir"),
    KUBERNETES_AUTH_PATH("renewer.init.kubernetes-auth-path"),
    VAULT_LOGIN_ROLE("renewer.init.vault-login-role"),
    KUBERNETES_ROLE("renewer.init.kubernetes-role"),
    APPROLE_ROLE("renewer.init.approle-role"),
    VAULT_LOGIN_METHOD("renewer.init.login-method"),
    KUBE_SA_TOKEN("renewer.init.kube-sa-token"),
    LOG_FORMAT("renewer.log-format"),
    RENEWER_ANNOTATIONS_FILE("renewer.annotations-file");

    private final String propertyKey;

    Setting(String propertyKey) {
        this.propertyKey = propertyKey;
    }

    /** The environment variable. */
    public String envName() {
        return name();
    }

    /** The key in {@code application.properties} (or a Camel property source). */
    public String propertyKey() {
        return propertyKey;
    }
}

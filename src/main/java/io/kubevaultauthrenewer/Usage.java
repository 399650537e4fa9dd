package io.kubevaultauthrenewer;

import io.kubevaultauthrenewer.config.CredentialsSettings;
import io.kubevaultauthrenewer.config.ManagementSettings;
import io.kubevaultauthrenewer.config.RetrySettings;
import io.kubevaultauthrenewer.config.ScheduleSettings;
import io.kubevaultauthrenewer.config.SelfEviction;
import io.kubevaultauthrenewer.config.Setting;
import io.kubevaultauthrenewer.config.VaultSettings;
import io.kubevaultauthrenewer.init.InitSettings;
import java.time.Duration;

/**
 * What {@code --help} prints: the two modes, every setting with its default, the exit codes. Camel Main's own
 * options are not offered: a user of this image never needs them.
 */
final class Usage {

    private Usage() {}

    /** The jar's version (its manifest's Implementation-Version), or "development" outside the jar. */
    static String version() {
        String version = Application.class.getPackage().getImplementationVersion();
        return version == null ? "development" : version;
    }

    static String text() {
        StringBuilder text = new StringBuilder();
        text.append("kube-vault-auth-renewer ").append(version()).append("\n\n");
        text.append("""
                Usage:
                  kube-vault-auth-renewer          keep the Vault token and the leases of VARIABLES_FILE alive (the sidecar)
                  kube-vault-auth-renewer init     log in to Vault, read the SECRET_* paths, write VARIABLES_FILE, exit
                  kube-vault-auth-renewer --help   this text
                  kube-vault-auth-renewer --version

                Settings are environment variables (or keys of application.properties):

                """);
        for (Setting setting : Setting.values()) {
            text.append(String.format("  %-33s %s%n", setting.envName(), describe(setting)));
        }
        text.append(String.format(
                "  %-33s %s%n",
                "SECRET_<NAME>", "init: <path>[?field] to export as NAME (field:" + " value); paths read once each"));
        text.append(String.format(
                "  %-33s %s%n",
                "JOLOKIA_ENABLED",
                "renewer: true to load the Jolokia agent for Hawtio (start script; JOLOKIA_* set it up)"));
        text.append("""

                Exit codes:
                  0  renewer: stopped (SIGTERM), or RUN_ONCE found all fine; init: the file is written
                  1  renewer: RUN_ONCE found a problem, or Vault rejected a token it never accepted;
                     init: a login, a read or the file failed (one ERROR line says which), no file is left
                  2  a setting or an argument is wrong (every problem is named)
                """);
        return text.toString();
    }

    /** One line per setting: which mode reads it, and its default. */
    private static String describe(Setting setting) {
        return switch (setting) {
            case VAULT_ADDR -> "both: the URL of Vault (required)";
            case RENEW_INTERVAL ->
                "renewer: seconds between two checks (default " + ScheduleSettings.DEFAULT_RENEW_INTERVAL_SECONDS + ")";
            case VAULT_TOKEN -> "both: the token (renewer: when VARIABLES_FILE holds none; init: no login then)";
            case LEASE_IDS -> "renewer: comma-separated lease ids, when VARIABLES_FILE holds none";
            case VARIABLES_FILE ->
                "both: the file init writes and the renewer reads (default "
                        + CredentialsSettings.DEFAULT_VARIABLES_FILE + ")";
            case RUN_ONCE -> "renewer: true for one cycle, then exit (default false)";
            case VAULT_NAMESPACE -> "both: Vault Enterprise namespace";
            case RENEWER_CONNECT_TIMEOUT ->
                "both: time to connect to Vault (default " + shown(VaultSettings.DEFAULT_CONNECT_TIMEOUT) + ")";
            case RENEWER_RESPONSE_TIMEOUT ->
                "both: time for Vault's answer; with the connect timeout, the deadline of a whole call (default "
                        + shown(VaultSettings.DEFAULT_RESPONSE_TIMEOUT) + ")";
            case RENEWER_RETRY_ATTEMPTS ->
                "both: quick retries of a transient failure (default " + RetrySettings.DEFAULT_ATTEMPTS + ")";
            case RENEWER_RETRY_DELAY ->
                "both: wait before the first quick retry, doubling (default " + shown(RetrySettings.DEFAULT_DELAY)
                        + ")";
            case RENEWER_RETRY_MAX_DELAY ->
                "both: the longest wait between quick retries (default " + shown(RetrySettings.DEFAULT_MAX_DELAY) + ")";
            case CAMEL_MANAGEMENT_HOST ->
                "renewer: address the management port listens on, an IP or a host name (default "
                        + ManagementSettings.DEFAULT_HOST + ": every interface)";
            case CAMEL_MANAGEMENT_PORT ->
                "renewer: port of /observe/health and /observe/metrics (default " + ManagementSettings.DEFAULT_PORT
                        + ")";
            case ROUTES_DIR -> "renewer: a directory of *.camel.yaml files replacing or adding routes";
            case ROUTES_RELOAD -> "renewer: true to reload ROUTES_DIR's files when saved (default false)";
            case REVOKE_ON_SHUTDOWN -> "renewer: true to revoke the leases and token on stop (default false)";
            case VAULT_CACERT -> "both: PEM bundle of the CAs to trust for Vault";
            case VAULT_CAPATH -> "both: directory of PEM CA files to trust for Vault";
            case VAULT_CLIENT_CERT -> "both: PEM client certificate for mutual TLS";
            case VAULT_CLIENT_KEY -> "both: PEM key of VAULT_CLIENT_CERT";
            case VAULT_SKIP_VERIFY -> "both: true to accept any certificate (unsafe; default false)";
            case VAULT_TLS_SERVER_NAME -> "both: the name to check Vault's certificate against";
            case VAULT_CLIENT_TIMEOUT -> "both: Vault's name for the answer timeout";
            case VAULT_MAX_RETRIES -> "both: Vault's name for the retries";
            case RENEWER_BACKOFF_INITIAL ->
                "renewer: wait after the quick retries, doubling (default "
                        + shown(RetrySettings.DEFAULT_BACKOFF_INITIAL) + ")";
            case RENEWER_BACKOFF_MAX ->
                "renewer: the longest such wait (default " + shown(RetrySettings.DEFAULT_BACKOFF_MAX) + ")";
            case RENEWER_MAX_REQUESTS_PER_SECOND ->
                "both: requests to Vault per second, 0 for no bound (default "
                        + VaultSettings.DEFAULT_MAX_REQUESTS_PER_SECOND + ")";
            case RENEWER_JITTER ->
                "renewer: how much earlier a cycle may come, at random (default "
                        + ScheduleSettings.DEFAULT_JITTER_PERCENT + "%)";
            case RENEWER_REDIRECT_HOSTS -> "both: other hosts a Vault redirect may lead to with the token";
            case EVICT_BEFORE_EXPIRY -> "renewer: evict the pod this long before its secrets die (default off)";
            case POD_NAME -> "renewer: the pod's name (downward API), for EVICT_BEFORE_EXPIRY";
            case POD_NAMESPACE -> "renewer: the pod's namespace (default: the service account's)";
            case KUBERNETES_SERVICE_HOST -> "renewer: the API server (set by Kubernetes)";
            case KUBERNETES_SERVICE_PORT_HTTPS ->
                "renewer: the API server's port (default " + SelfEviction.DEFAULT_KUBERNETES_PORT + ")";
            case RENEWER_SERVICE_ACCOUNT_DIR ->
                "both: the service account's token, ca.crt and namespace (default "
                        + SelfEviction.DEFAULT_SERVICE_ACCOUNT_DIR + ")";
            case KUBERNETES_AUTH_PATH ->
                "init: the Kubernetes auth method's mount (default " + InitSettings.DEFAULT_KUBERNETES_AUTH_PATH + ")";
            case VAULT_LOGIN_ROLE -> "init: the role of both logins";
            case KUBERNETES_ROLE -> "init: the Kubernetes auth role (default VAULT_LOGIN_ROLE)";
            case APPROLE_ROLE -> "init: the AppRole (default VAULT_LOGIN_ROLE)";
            case VAULT_LOGIN_METHOD -> "init: approle (Kubernetes auth, then AppRole) or kubernetes (default approle)";
            case KUBE_SA_TOKEN -> "init: the service account's JWT instead of its token file";
            case LOG_FORMAT -> "both: text (default) or json: one ECS JSON object per line";
            case RENEWER_ANNOTATIONS_FILE ->
                "both: the pod's annotations (downward API file); kube-vault-auth-renewer.io/<NAME> sets NAME if unset";
        };
    }

    /** A default time as the settings take it: {@code 5m}, {@code 30s}. */
    private static String shown(Duration duration) {
        long seconds = duration.toSeconds();
        return seconds % 60 == 0 ? seconds / 60 + "m" : seconds + "s";
    }
}

package io.kubevaultauthrenewer.init;

import io.kubevaultauthrenewer.config.InvalidSettingsException;
import io.kubevaultauthrenewer.config.SelfEviction;
import io.kubevaultauthrenewer.config.Setting;
import io.kubevaultauthrenewer.config.Settings;
import io.kubevaultauthrenewer.config.SettingsReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The init mode's own settings, the original kube-vault-auth-init's contract: how to log in (VAULT_TOKEN given, or
 * Kubernetes auth then AppRole, or Kubernetes auth alone), and the secrets to read ({@code SECRET_<NAME>=<path>[?field]}).
 * Validated at start-up with every problem named, as the renewer's settings are. The service-account JWT is never
 * kept here: it is read when the login call is made.
 *
 * @param shared the settings shared with the renewer (VAULT_ADDR, TLS, timeouts, retries, VARIABLES_FILE, …)
 * @param login how the token is obtained
 * @param givenToken VAULT_TOKEN, when given (no login then); null otherwise
 * @param kubernetesAuthPath the Kubernetes auth method's mount (KUBERNETES_AUTH_PATH, default {@code kubernetes})
 * @param kubernetesRole KUBERNETES_ROLE, else VAULT_LOGIN_ROLE
 * @param appRole APPROLE_ROLE, else VAULT_LOGIN_ROLE (two-stage login only)
 * @param jwtFile where the service account's token is read, when KUBE_SA_TOKEN is not given
 * @param secrets the SECRET_* variables, by name
 */
public record InitSettings(
        Settings shared,
        Login login,
        String givenToken,
        String kubernetesAuthPath,
        String kubernetesRole,
        String appRole,
        Path jwtFile,
        List<SecretRef> secrets) {

    /** How the init mode gets its token. */
    public enum Login {
        /** VAULT_TOKEN is given: no login */
        TOKEN,
        /** Kubernetes auth, then AppRole with the role-id and a secret-id it reads: the original's two stages */
        APPROLE,
        /** Kubernetes auth's token itself (VAULT_LOGIN_METHOD=kubernetes): the modern setup */
        KUBERNETES
    }

    /**
     * One {@code SECRET_<NAME>=<path>[?field]} variable.
     *
     * @param variable the variable ({@code SECRET_DB_PASSWORD})
     * @param name what the file exports ({@code DB_PASSWORD})
     * @param path the Vault path, without {@code /v1/}
     * @param field the field of the secret's data ({@code value} when not given)
     */
    public record SecretRef(String variable, String name, String path, String field) {}

    public static final String DEFAULT_KUBERNETES_AUTH_PATH = "kubernetes";
    public static final String DEFAULT_FIELD = "value";
    private static final String PREFIX = "SECRET_";
    /**
     * An AppRole's name, as Vault's approle backend routes it (builtin/credential/approle/path_role.go matches
     * {@code "role/" + framework.GenericNameRegex("role_name")}, sdk/framework/path.go): a word character, then word
     * characters, dots and dashes, ending with a word character. The name goes into the role-id and secret-id URLs.
     */
    static final String ROLE_NAME = "\\w([\\w.-]*\\w)?";
    /** Names the app's shell reads for itself: a secret exported under one would change what the app runs. */
    private static final java.util.Set<String> SHELL_VARIABLES = java.util.Set.of(
            "PATH", "IFS", "ENV", "BASH_ENV", "SHELLOPTS", "PS4", "LD_PRELOAD", "LD_LIBRARY_PATH", "HOME", "UID");

    /**
     * Reads and validates.
     *
     * @param environment every environment variable (the SECRET_* ones are found there)
     * @throws InvalidSettingsException naming every problem
     */
    public static InitSettings load(Map<String, String> environment, Function<String, Optional<String>> properties) {
        return load(new SettingsReader(environment::get, properties), environment);
    }

    /**
     * Reads with the reader the init's wiring reads the rest with, and validates: the renewer's shared settings and the
     * init's own, every problem reported at once.
     *
     * @param environment every environment variable (the SECRET_* ones are found there)
     * @throws InvalidSettingsException naming every problem
     */
    public static InitSettings load(SettingsReader r, Map<String, String> environment) {
        Settings shared = Settings.read(r, true);
        String token = r.raw(Setting.VAULT_TOKEN).orElse(null);
        String method = r.value(Setting.VAULT_LOGIN_METHOD).orElse("approle").toLowerCase(Locale.ROOT);
        Login login = Login.TOKEN;
        if (token == null) {
            login = switch (method) {
                case "approle" -> Login.APPROLE;
                case "kubernetes" -> Login.KUBERNETES;
                default -> {
                    r.problem("VAULT_LOGIN_METHOD=" + method + " must be approle (Kubernetes auth, then AppRole:"
                            + " the original's) or kubernetes (Kubernetes auth's token itself)");
                    yield Login.APPROLE;
                }
            };
        }
        String authPath = r.value(Setting.KUBERNETES_AUTH_PATH)
                .map(p -> p.replaceAll("^/+|/+$", ""))
                .orElse(DEFAULT_KUBERNETES_AUTH_PATH);
        String loginRole = r.value(Setting.VAULT_LOGIN_ROLE).orElse(null);
        String kubernetesRole = r.value(Setting.KUBERNETES_ROLE).orElse(loginRole);
        String appRole = r.value(Setting.APPROLE_ROLE).orElse(loginRole);
        Path jwtFile = SelfEviction.serviceAccountDir(r).resolve("token");
        if (login != Login.TOKEN) {
            if (r.raw(Setting.KUBE_SA_TOKEN).isEmpty() && !Files.isReadable(jwtFile)) {
                r.problem("No way to log in: set VAULT_TOKEN or KUBE_SA_TOKEN, or mount the service account's"
                        + " token at " + jwtFile + " (automountServiceAccountToken)");
            }
            if (kubernetesRole == null) {
                r.problem("KUBERNETES_ROLE or VAULT_LOGIN_ROLE is required: the Kubernetes auth role to log in with");
            }
            if (login == Login.APPROLE && appRole == null) {
                r.problem("APPROLE_ROLE or VAULT_LOGIN_ROLE is required: the AppRole whose token is written"
                        + " (or VAULT_LOGIN_METHOD=kubernetes to keep Kubernetes auth's token)");
            }
            if (!isVaultPath(authPath)) {
                r.problem("KUBERNETES_AUTH_PATH=" + authPath + " is not a mount path (letters, digits and . _ ~ : @"
                        + " + - between single slashes, no '..')");
            }
            if (login == Login.APPROLE && appRole != null && !appRole.matches(ROLE_NAME)) {
                r.problem("APPROLE_ROLE=" + appRole + " is not an AppRole name (letters, digits, '_', and '.' or '-'"
                        + " inside, as Vault's role names)");
            }
        }
        List<SecretRef> secrets = secrets(environment, r);
        r.check();
        return new InitSettings(shared, login, token, authPath, kubernetesRole, appRole, jwtFile, secrets);
    }

    /** The SECRET_* variables, in name order (the environment has none). */
    private static List<SecretRef> secrets(Map<String, String> environment, SettingsReader r) {
        Map<String, String> sorted = new TreeMap<>();
        environment.forEach((k, v) -> {
            if (k.startsWith(PREFIX)) {
                sorted.put(k, v);
            }
        });
        List<SecretRef> secrets = new ArrayList<>();
        for (Map.Entry<String, String> e : sorted.entrySet()) {
            String variable = e.getKey();
            String name = variable.substring(PREFIX.length());
            String spec = e.getValue() == null ? "" : e.getValue().strip();
            int q = spec.indexOf('?');
            String path = (q < 0 ? spec : spec.substring(0, q))
                    .replaceAll("^/+|/+$", "")
                    .replaceFirst("^v1/", "");
            String field = q < 0 || q == spec.length() - 1 ? DEFAULT_FIELD : spec.substring(q + 1);
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                r.problem(variable + " does not give a shell variable name after SECRET_");
            } else if (name.equals("VAULT_TOKEN") || name.equals("LEASE_IDS")) {
                r.problem(variable + " would overwrite " + name + ", which the file holds for the renewer");
            } else if (SHELL_VARIABLES.contains(name)) {
                r.problem(variable + " would set " + name + ", which changes how the app's shell runs once it"
                        + " sources the file: export the secret under another name");
            } else if (path.isEmpty()) {
                r.problem(variable + " names no Vault path (e.g. secret/my-app/db?password)");
            } else if (!isVaultPath(path)) {
                r.problem(variable + "=" + path + " is not a Vault path");
            } else if (!field.matches("[A-Za-z0-9._-]+")) {
                r.problem(variable + ": field '" + field + "' is not a field name");
            } else {
                secrets.add(new SecretRef(variable, name, path, field));
            }
        }
        return List.copyOf(secrets);
    }

    /**
     * A path the init puts after {@code /v1/} (a SECRET_* path, KUBERNETES_AUTH_PATH): characters that need no escaping
     * in a URL path, no empty segment, and no {@code ..}, so that it cannot climb to another endpoint.
     */
    static boolean isVaultPath(String path) {
        return path.matches("[A-Za-z0-9._~:@/+-]+") && !path.contains("//") && !path.contains("..");
    }

    /** The distinct paths, in the order of their first variable: each is read once. */
    public List<String> paths() {
        return secrets.stream().map(SecretRef::path).distinct().toList();
    }

    @Override
    public String toString() {
        return "InitSettings[login=" + login + ", givenToken=" + (givenToken == null ? "unset" : "****")
                + ", kubernetesAuthPath=" + kubernetesAuthPath + ", kubernetesRole=" + kubernetesRole + ", appRole="
                + appRole + ", jwtFile=" + jwtFile + ", secrets=" + secrets + ", shared=" + shared + "]";
    }
}

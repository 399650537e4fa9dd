package io.kubevaultauthrenewer.config;

import io.kubevaultauthrenewer.vault.VaultTls;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * The renewer's settings, read once at start-up from the environment (which wins) and the properties, and validated
 * together: every problem is reported at once, one line each, naming the variable. The token must be found in the
 * environment or the variables file, and the file must be readable.
 *
 * @param vaultAddr where Vault listens, without a trailing slash
 * @param renewInterval time between two cycles
 * @param environmentToken VAULT_TOKEN from the environment, or null (the variables file may hold it)
 * @param environmentLeaseIds LEASE_IDS from the environment, or "" (the variables file may hold it)
 * @param variablesFile the file the init container writes
 * @param runOnce run one cycle and exit
 * @param namespace Vault Enterprise namespace, or null
 * @param connectTimeout time allowed to connect to Vault
 * @param responseTimeout time allowed for Vault's answer
 * @param retryAttempts quick retries of a transient failure (the only ones with RUN_ONCE)
 * @param retryDelay wait before the first quick retry; it doubles with each
 * @param retryMaxDelay the longest wait between two quick retries
 * @param managementPort the port of the health and metrics endpoints, 0 for any free port
 * @param routesDir a directory whose route files replace the built-in ones of the same name; null for none
 * @param routesReload true to reload route files from {@code routesDir} when they change
 * @param revokeOnShutdown true to revoke the leases and the token when the renewer stops
 * @param tls the TLS settings of the Vault client (VAULT_CACERT, VAULT_CAPATH, VAULT_CLIENT_CERT, …)
 * @param backoffInitial after the quick retries, the wait before the next try of what failed; it doubles with each
 * @param backoffMax the longest such wait (never more than half of the time the item has left)
 * @param maxRequestsPerSecond the most requests to Vault in a second, 0 for no bound
 * @param jitterPercent how much earlier than RENEW_INTERVAL a later cycle may come, at random, in percent (0 to 50)
 * @param redirectHosts host names ({@code vault-0.vault-internal}) or domains ({@code *.vault-internal}) besides
 *     VAULT_ADDR's host that a redirect from Vault may lead to with the token; empty for none
 * @param eviction EVICT_BEFORE_EXPIRY and the pod it evicts; null when it is off (the default)
 */
public record Settings(
        String vaultAddr,
        Duration renewInterval,
        String environmentToken,
        String environmentLeaseIds,
        Path variablesFile,
        boolean runOnce,
        String namespace,
        Duration connectTimeout,
        Duration responseTimeout,
        int retryAttempts,
        Duration retryDelay,
        Duration retryMaxDelay,
        int managementPort,
        Path routesDir,
        boolean routesReload,
        boolean revokeOnShutdown,
        VaultTls tls,
        Duration backoffInitial,
        Duration backoffMax,
        int maxRequestsPerSecond,
        int jitterPercent,
        List<String> redirectHosts,
        SelfEviction eviction) {

    public static final long DEFAULT_RENEW_INTERVAL_SECONDS = 21_600;
    public static final long MAX_RENEW_INTERVAL_SECONDS = 16 * 24 * 3600;
    public static final String DEFAULT_VARIABLES_FILE = "/env/variables";
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_RESPONSE_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_RETRY_ATTEMPTS = 3;
    public static final int MAX_RETRY_ATTEMPTS = 10;
    public static final Duration DEFAULT_RETRY_DELAY = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RETRY_MAX_DELAY = Duration.ofSeconds(10);
    public static final int DEFAULT_MANAGEMENT_PORT = 9876;
    public static final Duration DEFAULT_BACKOFF_INITIAL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_BACKOFF_MAX = Duration.ofMinutes(5);
    public static final int DEFAULT_MAX_REQUESTS_PER_SECOND = 20;
    public static final int DEFAULT_JITTER_PERCENT = 10;
    private static final Duration MAX_TIMEOUT = Duration.ofMinutes(10);
    public static final int DEFAULT_KUBERNETES_PORT = 443;
    private static final Duration MAX_EVICTION_LEAD = Duration.ofDays(7);
    /** LOG_FORMAT's values, the default first. */
    public static final List<String> LOG_FORMATS = List.of("text", "json");

    /**
     * Reads and validates every setting.
     *
     * @param environment the process environment (a lookup by variable name)
     * @param properties the properties (a lookup by key)
     * @throws InvalidSettingsException naming every setting that is wrong
     */
    public static Settings load(Function<String, String> environment, Function<String, Optional<String>> properties) {
        return load(environment, properties, false);
    }

    /**
     * Reads and validates the settings the init mode shares with the renewer (Vault's address, TLS, namespace,
     * timeouts, retries, the variables file's path): no token is needed yet, and the file is to be written, not read.
     *
     * @throws InvalidSettingsException naming every setting that is wrong
     */
    public static Settings loadForInit(
            Function<String, String> environment, Function<String, Optional<String>> properties) {
        return load(environment, properties, true);
    }

    private static Settings load(
            Function<String, String> environment, Function<String, Optional<String>> properties, boolean init) {
        Reader r = new Reader(environment, properties);
        Settings settings = new Settings(
                r.vaultAddr(),
                r.renewInterval(),
                r.raw(Setting.VAULT_TOKEN).orElse(null),
                r.raw(Setting.LEASE_IDS).orElse(""),
                r.variablesFile(),
                r.runOnce(),
                r.raw(Setting.VAULT_NAMESPACE).map(String::strip).orElse(null),
                r.timeout(Setting.RENEWER_CONNECT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT),
                r.timeout(
                        Setting.RENEWER_RESPONSE_TIMEOUT,
                        r.timeout(Setting.VAULT_CLIENT_TIMEOUT, DEFAULT_RESPONSE_TIMEOUT)),
                r.retryAttempts(),
                r.timeout(Setting.RENEWER_RETRY_DELAY, DEFAULT_RETRY_DELAY),
                r.timeout(Setting.RENEWER_RETRY_MAX_DELAY, DEFAULT_RETRY_MAX_DELAY),
                r.managementPort(),
                r.routesDir(),
                r.flag(Setting.ROUTES_RELOAD),
                r.flag(Setting.REVOKE_ON_SHUTDOWN),
                r.tls(),
                r.timeout(Setting.RENEWER_BACKOFF_INITIAL, DEFAULT_BACKOFF_INITIAL),
                r.timeout(Setting.RENEWER_BACKOFF_MAX, DEFAULT_BACKOFF_MAX),
                r.whole(Setting.RENEWER_MAX_REQUESTS_PER_SECOND, DEFAULT_MAX_REQUESTS_PER_SECOND, 0, 10_000, ""),
                r.whole(Setting.RENEWER_JITTER, DEFAULT_JITTER_PERCENT, 0, 50, "%"),
                r.redirectHosts(),
                init ? null : r.eviction());
        if (settings.eviction() != null && settings.runOnce()) {
            r.problems.add("EVICT_BEFORE_EXPIRY has no effect with RUN_ONCE=true (one run ends long before any"
                    + " end of life): unset one of them");
        }
        if (settings.routesReload() && settings.routesDir() == null) {
            r.problems.add("ROUTES_RELOAD=true needs ROUTES_DIR: the directory whose route files are watched");
        }
        if (settings.variablesFile() != null && !init) {
            try {
                new CredentialsSource(settings).load();
            } catch (VariablesFileException e) {
                String problem = e.getMessage();
                r.problems.add(
                        problem.startsWith(Setting.VAULT_TOKEN.envName()) ? problem : "VARIABLES_FILE " + problem);
            }
        }
        r.logFormat();
        if (!r.problems.isEmpty()) {
            throw new InvalidSettingsException(r.problems);
        }
        return settings;
    }

    /**
     * LOG_FORMAT's value as the logging configuration reads it: {@code text} or {@code json}, in any case, blanks
     * around it ignored; empty for anything else. The format is chosen before logging starts (in {@code Application});
     * a bad value is reported here, with the other settings.
     */
    public static Optional<String> logFormat(String value) {
        String format = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        return LOG_FORMATS.contains(format) ? Optional.of(format) : Optional.empty();
    }

    @Override
    public String toString() {
        return "Settings[vaultAddr=" + vaultAddr + ", renewInterval=" + renewInterval.toSeconds() + "s"
                + ", environmentToken=" + (environmentToken == null ? "unset" : "****")
                + ", environmentLeaseIds=" + environmentLeaseIds + ", variablesFile=" + variablesFile
                + ", runOnce=" + runOnce + ", namespace=" + namespace
                + ", connectTimeout=" + connectTimeout + ", responseTimeout=" + responseTimeout
                + ", retryAttempts=" + retryAttempts + ", retryDelay=" + retryDelay
                + ", retryMaxDelay=" + retryMaxDelay + ", managementPort=" + managementPort
                + ", routesDir=" + routesDir + ", routesReload=" + routesReload
                + ", revokeOnShutdown=" + revokeOnShutdown + ", tls=" + tls + ", backoffInitial=" + backoffInitial
                + ", backoffMax=" + backoffMax + ", maxRequestsPerSecond=" + maxRequestsPerSecond
                + ", jitterPercent=" + jitterPercent + ", redirectHosts=" + redirectHosts + ", eviction=" + eviction
                + "]";
    }

    /** A pod name: a DNS subdomain (RFC 1123), at most 253 characters. */
    private static final String DNS_SUBDOMAIN =
            "(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
    /** A namespace name: a DNS label (RFC 1123), at most 63 characters. */
    private static final String DNS_LABEL = "(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?";

    /** A setting's value: the environment's, else the properties'; blank counts as unset. */
    public static Optional<String> value(
            Function<String, String> environment, Function<String, Optional<String>> properties, Setting setting) {
        return Reader.raw(environment, properties, setting);
    }

    /** Collects the problems while reading, so that all are reported together. */
    private static final class Reader {
        private final Function<String, String> environment;
        private final Function<String, Optional<String>> properties;
        private final List<String> problems = new ArrayList<>();

        Reader(Function<String, String> environment, Function<String, Optional<String>> properties) {
            this.environment = environment;
            this.properties = properties;
        }

        /** The value from the environment, else from the properties; blank counts as unset. */
        Optional<String> raw(Setting setting) {
            return raw(environment, properties, setting);
        }

        static Optional<String> raw(
                Function<String, String> environment, Function<String, Optional<String>> properties, Setting setting) {
            String env = environment.apply(setting.envName());
            if (env != null && !env.isBlank()) {
                return Optional.of(env);
            }
            return properties.apply(setting.propertyKey()).filter(v -> !v.isBlank());
        }

        String vaultAddr() {
            Optional<String> raw = raw(Setting.VAULT_ADDR);
            if (raw.isEmpty()) {
                problems.add("VAULT_ADDR is not set: give the URL of Vault, e.g. https://vault.example.com:8200");
                return null;
            }
            String value = raw.get().strip();
            String shown = value.replaceFirst("://[^/]*@", "://***@"); // never echo a password
            try {
                URI uri = new URI(value);
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("http") && !scheme.equals("https")) {
                    problems.add("VAULT_ADDR=" + shown + " is not an http:// or https:// URL");
                } else if (uri.getHost() == null) {
                    problems.add("VAULT_ADDR=" + shown + " has no host name");
                } else if (uri.getUserInfo() != null) {
                    problems.add("VAULT_ADDR must not carry a user name or password");
                } else if (uri.getQuery() != null || uri.getFragment() != null) {
                    problems.add("VAULT_ADDR=" + shown + " must not have a query or a fragment");
                } else {
                    return value.replaceAll("/+$", "");
                }
            } catch (URISyntaxException e) {
                problems.add("VAULT_ADDR=" + shown + " is not a valid URL: " + e.getReason());
            }
            return null;
        }

        Duration renewInterval() {
            Optional<String> raw = raw(Setting.RENEW_INTERVAL);
            if (raw.isEmpty()) {
                return Duration.ofSeconds(DEFAULT_RENEW_INTERVAL_SECONDS);
            }
            String value = raw.get().strip();
            if (!value.matches("-?\\d+")) {
                problems.add("RENEW_INTERVAL=" + value + " is not a whole number of seconds (e.g. 21600 for 6 hours)");
                return null;
            }
            try {
                long seconds = Long.parseLong(value);
                if (seconds < 1) {
                    problems.add("RENEW_INTERVAL=" + value + " must be at least 1 second");
                    return null;
                }
                if (seconds > MAX_RENEW_INTERVAL_SECONDS) {
                    problems.add("RENEW_INTERVAL=" + value + " must be at most " + MAX_RENEW_INTERVAL_SECONDS
                            + " (16 days: half of Vault's longest TTL)");
                    return null;
                }
                return Duration.ofSeconds(seconds);
            } catch (NumberFormatException e) {
                problems.add("RENEW_INTERVAL=" + value + " is too large");
                return null;
            }
        }

        Path variablesFile() {
            String value = raw(Setting.VARIABLES_FILE).map(String::strip).orElse(DEFAULT_VARIABLES_FILE);
            try {
                return Path.of(value);
            } catch (InvalidPathException e) {
                problems.add("VARIABLES_FILE=" + value + " is not a valid path");
                return null;
            }
        }

        boolean runOnce() {
            return flag(Setting.RUN_ONCE);
        }

        /** A true/false setting, false by default; yes/no and 1/0 are understood too. */
        boolean flag(Setting setting) {
            String value =
                    raw(setting).map(v -> v.strip().toLowerCase(Locale.ROOT)).orElse("false");
            return switch (value) {
                case "true", "yes", "1" -> true;
                case "false", "no", "0" -> false;
                default -> {
                    problems.add(setting.envName() + "=" + value + " must be true or false");
                    yield false;
                }
            };
        }

        void logFormat() {
            raw(Setting.LOG_FORMAT)
                    .filter(value -> Settings.logFormat(value).isEmpty())
                    .ifPresent(value -> problems.add("LOG_FORMAT=" + value.strip()
                            + " is not a log format: text (the default: one line per event) or json (one ECS JSON"
                            + " object per line)"));
        }

        int managementPort() {
            Optional<String> raw = raw(Setting.CAMEL_MANAGEMENT_PORT);
            if (raw.isEmpty()) {
                return DEFAULT_MANAGEMENT_PORT;
            }
            String value = raw.get().strip();
            if (!value.matches("\\d{1,5}") || Integer.parseInt(value) > 65_535) {
                problems.add("CAMEL_MANAGEMENT_PORT=" + value + " is not a port number (0 to 65535)");
                return DEFAULT_MANAGEMENT_PORT;
            }
            return Integer.parseInt(value);
        }

        Path routesDir() {
            Optional<String> raw = raw(Setting.ROUTES_DIR).map(String::strip);
            if (raw.isEmpty()) {
                return null;
            }
            try {
                Path dir = Path.of(raw.get());
                if (!Files.isDirectory(dir)) {
                    problems.add("ROUTES_DIR=" + raw.get() + " is not a directory");
                    return null;
                }
                return dir;
            } catch (InvalidPathException e) {
                problems.add("ROUTES_DIR=" + raw.get() + " is not a valid path");
                return null;
            }
        }

        Duration timeout(Setting setting, Duration defaultValue) {
            Optional<String> raw = raw(setting);
            if (raw.isEmpty()) {
                return defaultValue;
            }
            try {
                Duration d = Durations.parse(raw.get());
                if (d.isZero() || d.compareTo(MAX_TIMEOUT) > 0) {
                    problems.add(setting.envName() + "=" + raw.get().strip() + " must be more than 0 and at most 10m");
                    return null;
                }
                return d;
            } catch (IllegalArgumentException e) {
                problems.add(setting.envName() + "=" + raw.get().strip() + " " + e.getMessage());
                return null;
            }
        }

        /** RENEWER_RETRY_ATTEMPTS, else Vault's own VAULT_MAX_RETRIES (same meaning: retries after the first try). */
        int retryAttempts() {
            Setting setting = Setting.RENEWER_RETRY_ATTEMPTS;
            Optional<String> raw = raw(setting);
            if (raw.isEmpty()) {
                setting = Setting.VAULT_MAX_RETRIES;
                raw = raw(setting);
            }
            if (raw.isEmpty()) {
                return DEFAULT_RETRY_ATTEMPTS;
            }
            String value = raw.get().strip();
            if (!value.matches("\\d{1,2}") || Integer.parseInt(value) > MAX_RETRY_ATTEMPTS) {
                problems.add(
                        setting.envName() + "=" + value + " must be a whole number from 0 to " + MAX_RETRY_ATTEMPTS);
                return 0;
            }
            return Integer.parseInt(value);
        }

        /**
         * A whole number between {@code min} and {@code max}, with an optional unit suffix (such as {@code %}).
         */
        int whole(Setting setting, int defaultValue, int min, int max, String unit) {
            Optional<String> raw = raw(setting);
            if (raw.isEmpty()) {
                return defaultValue;
            }
            String value = raw.get().strip();
            String number = !unit.isEmpty() && value.endsWith(unit)
                    ? value.substring(0, value.length() - unit.length())
                    : value;
            if (!number.strip().matches("\\d{1,6}")
                    || Integer.parseInt(number.strip()) < min
                    || Integer.parseInt(number.strip()) > max) {
                problems.add(
                        setting.envName() + "=" + value + " must be a whole number from " + min + " to " + max + unit);
                return defaultValue;
            }
            return Integer.parseInt(number.strip());
        }

        /** Comma-separated host names or {@code *.domain} patterns; anything else (a URL, a port) is a problem. */
        List<String> redirectHosts() {
            List<String> hosts = new ArrayList<>();
            for (String entry : raw(Setting.RENEWER_REDIRECT_HOSTS).orElse("").split(",")) {
                String host = entry.strip().toLowerCase(Locale.ROOT);
                if (host.isEmpty()) {
                    continue;
                }
                if (!host.matches("(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*")) {
                    problems.add("RENEWER_REDIRECT_HOSTS entry '" + entry.strip()
                            + "' is not a host name or *.domain (no scheme, port or path)");
                    continue;
                }
                hosts.add(host);
            }
            return List.copyOf(hosts);
        }

        /**
         * EVICT_BEFORE_EXPIRY, and everything it needs from the pod: its name, its namespace, the API server and the
         * service account's token and CA. Outside Kubernetes (no service account, no POD_NAME) it is a problem, not
         * a setting quietly ignored.
         */
        SelfEviction eviction() {
            Optional<String> raw = raw(Setting.EVICT_BEFORE_EXPIRY);
            if (raw.isEmpty()) {
                return null;
            }
            int before = problems.size();
            Duration lead = null;
            try {
                lead = Durations.parse(raw.get());
                if (lead.compareTo(Duration.ofSeconds(1)) < 0 || lead.compareTo(MAX_EVICTION_LEAD) > 0) {
                    problems.add("EVICT_BEFORE_EXPIRY=" + raw.get().strip() + " must be at least 1s and at most 7 days"
                            + " (e.g. 15m: longer than a new pod needs to become ready)");
                }
            } catch (IllegalArgumentException e) {
                problems.add("EVICT_BEFORE_EXPIRY=" + raw.get().strip() + " " + e.getMessage());
            }
            String pod = raw(Setting.POD_NAME).map(String::strip).orElse(null);
            if (pod == null) {
                problems.add("EVICT_BEFORE_EXPIRY needs POD_NAME, the pod's own name (env POD_NAME valueFrom fieldRef"
                        + " metadata.name): unset EVICT_BEFORE_EXPIRY outside Kubernetes");
            } else if (!pod.matches(DNS_SUBDOMAIN)) {
                problems.add("POD_NAME=" + pod + " is not a pod name (lower-case letters, digits, '-' and '.')");
            }
            Path dir = path(Setting.RENEWER_SERVICE_ACCOUNT_DIR);
            if (dir == null) {
                dir = Path.of(SelfEviction.DEFAULT_SERVICE_ACCOUNT_DIR);
            }
            Path token = dir.resolve("token");
            if (!Files.isReadable(token)) {
                problems.add("EVICT_BEFORE_EXPIRY needs the pod's service-account token, and " + token + " "
                        + (Files.exists(token) ? "cannot be read" : "does not exist")
                        + " (outside Kubernetes, or automountServiceAccountToken: false)");
            } else {
                VaultTls ca = new VaultTls(dir.resolve("ca.crt"), null, null, null, false, null);
                for (String problem : ca.problems()) {
                    problems.add(
                            "EVICT_BEFORE_EXPIRY needs the API server's CA: " + problem.replace("VAULT_CACERT=", ""));
                }
            }
            String namespace = raw(Setting.POD_NAMESPACE).map(String::strip).orElse(null);
            if (namespace == null) {
                try {
                    namespace = Files.readString(dir.resolve("namespace")).strip();
                } catch (IOException e) {
                    problems.add("EVICT_BEFORE_EXPIRY needs POD_NAMESPACE (env valueFrom fieldRef metadata.namespace)"
                            + " or " + dir.resolve("namespace"));
                }
            }
            if (namespace != null && !namespace.matches(DNS_LABEL)) {
                problems.add("POD_NAMESPACE=" + namespace + " is not a namespace name (a DNS label)");
            }
            String host =
                    raw(Setting.KUBERNETES_SERVICE_HOST).map(String::strip).orElse(null);
            if (host == null) {
                problems.add("EVICT_BEFORE_EXPIRY needs KUBERNETES_SERVICE_HOST, which Kubernetes sets in every"
                        + " container: unset EVICT_BEFORE_EXPIRY outside Kubernetes");
            } else if (!host.matches("[A-Za-z0-9.:-]+")) {
                problems.add("KUBERNETES_SERVICE_HOST=" + host + " is not a host name or IP address");
            }
            int port = whole(Setting.KUBERNETES_SERVICE_PORT_HTTPS, DEFAULT_KUBERNETES_PORT, 1, 65_535, "");
            return problems.size() > before ? null : new SelfEviction(lead, pod, namespace, host, port, dir);
        }

        /** The TLS settings, with every file read now: a bad path or PEM is a problem naming its variable. */
        VaultTls tls() {
            VaultTls tls = new VaultTls(
                    path(Setting.VAULT_CACERT),
                    path(Setting.VAULT_CAPATH),
                    path(Setting.VAULT_CLIENT_CERT),
                    path(Setting.VAULT_CLIENT_KEY),
                    flag(Setting.VAULT_SKIP_VERIFY),
                    raw(Setting.VAULT_TLS_SERVER_NAME).map(String::strip).orElse(null));
            problems.addAll(tls.problems());
            return tls;
        }

        private Path path(Setting setting) {
            Optional<String> raw = raw(setting).map(String::strip);
            if (raw.isEmpty()) {
                return null;
            }
            try {
                return Path.of(raw.get());
            } catch (InvalidPathException e) {
                problems.add(setting.envName() + "=" + raw.get() + " is not a valid path");
                return null;
            }
        }
    }
}

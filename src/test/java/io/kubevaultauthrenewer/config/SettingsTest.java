package io.kubevaultauthrenewer.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.InstanceOfAssertFactories.STRING;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class SettingsTest {

    private static final String TOKEN = "s.env-token-0123456789";

    @TempDir
    Path dir;

    private final Map<String, String> env = new HashMap<>();
    private final Map<String, String> props = new HashMap<>();

    @BeforeEach
    void validBase() {
        env.put("VAULT_ADDR", "https://vault.example.com:8200");
        env.put("VAULT_TOKEN", TOKEN);
        env.put("VARIABLES_FILE", dir.resolve("absent-variables").toString());
    }

    private Settings load() {
        return Settings.load(env::get, key -> Optional.ofNullable(props.get(key)));
    }

    private InvalidSettingsException loadFails() {
        Throwable thrown = catchThrowable(this::load);
        assertThat(thrown).isInstanceOf(InvalidSettingsException.class);
        return (InvalidSettingsException) thrown;
    }

    // ---- defaults ----
    @Test
    void usesTheDefaultsWhenOnlyTheAddressAndTokenAreGiven() {
        Settings settings = load();

        assertThat(settings.vault().address()).isEqualTo("https://vault.example.com:8200");
        assertThat(settings.schedule().renewInterval()).isEqualTo(Duration.ofSeconds(21_600));
        assertThat(settings.credentials().environmentToken()).isEqualTo(TOKEN);
        assertThat(settings.credentials().environmentLeaseIds()).isEmpty();
        assertThat(settings.schedule().runOnce()).isFalse();
        assertThat(settings.vault().namespace()).isNull();
        assertThat(settings.vault().connectTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(settings.vault().responseTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(settings.retries().attempts()).isEqualTo(3);
        assertThat(settings.retries().delay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(settings.retries().maxDelay()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void readsTheVariablesFileFromEnvVariablesByDefault() {
        env.remove("VARIABLES_FILE");
        Assumptions.assumeFalse(Files.exists(Path.of("/env/variables")));

        assertThat(load().credentials().variablesFile()).isEqualTo(Path.of("/env/variables"));
    }

    // ---- sources ----
    @Test
    void readsEverySettingFromTheProperties() throws IOException {
        env.clear();
        Path file = Files.writeString(dir.resolve("variables"), "export VAULT_TOKEN=s.from-file\n");
        props.put("renewer.vault-addr", "http://vault:8200");
        props.put("renewer.renew-interval", "60");
        props.put("renewer.vault-token", "s.prop");
        props.put("renewer.lease-ids", "a/1,b/2");
        props.put("renewer.variables-file", file.toString());
        props.put("renewer.run-once", "true");
        props.put("renewer.vault-namespace", "team-a");
        props.put("renewer.connect-timeout", "2s");
        props.put("renewer.response-timeout", "1m");
        props.put("renewer.retry-attempts", "5");
        props.put("renewer.retry-delay", "500ms");
        props.put("renewer.retry-max-delay", "20s");

        Settings settings = load();

        assertThat(settings)
                .extracting(
                        (Settings s) -> s.vault().address(),
                        (Settings s) -> s.schedule().renewInterval(),
                        (Settings s) -> s.credentials().environmentToken(),
                        (Settings s) -> s.credentials().environmentLeaseIds(),
                        (Settings s) -> s.credentials().variablesFile(),
                        (Settings s) -> s.schedule().runOnce(),
                        (Settings s) -> s.vault().namespace(),
                        (Settings s) -> s.vault().connectTimeout(),
                        (Settings s) -> s.vault().responseTimeout(),
                        (Settings s) -> s.retries().attempts(),
                        (Settings s) -> s.retries().delay(),
                        (Settings s) -> s.retries().maxDelay())
                .containsExactly(
                        "http://vault:8200",
                        Duration.ofSeconds(60),
                        "s.prop",
                        "a/1,b/2",
                        file,
                        true,
                        "team-a",
                        Duration.ofSeconds(2),
                        Duration.ofMinutes(1),
                        5,
                        Duration.ofMillis(500),
                        Duration.ofSeconds(20));
    }

    @Test
    void prefersTheEnvironmentOverTheProperties() {
        env.put("RENEW_INTERVAL", "60");
        props.put("renewer.renew-interval", "120");
        env.put("VAULT_ADDR", "https://from-env:8200");
        props.put("renewer.vault-addr", "https://from-props:8200");

        Settings settings = load();

        assertThat(settings.schedule().renewInterval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(settings.vault().address()).isEqualTo("https://from-env:8200");
    }

    @Test
    void treatsABlankEnvironmentValueAsUnset() {
        env.put("RENEW_INTERVAL", "   ");
        props.put("renewer.renew-interval", "120");

        assertThat(load().schedule().renewInterval()).isEqualTo(Duration.ofSeconds(120));
    }

    @Test
    void treatsABlankPropertyAsUnset() {
        props.put("renewer.renew-interval", " ");
        props.put("renewer.retry-attempts", "");

        Settings settings = load();

        assertThat(settings.schedule().renewInterval()).isEqualTo(Duration.ofSeconds(21_600));
        assertThat(settings.retries().attempts()).isEqualTo(3);
    }

    @Test
    void treatsABlankVaultAddrAsMissing() {
        env.put("VAULT_ADDR", "  ");

        assertThat(loadFails().problems()).singleElement(STRING).startsWith("VAULT_ADDR is not set");
    }

    @Test
    void keepsLeaseIdsFromTheEnvironmentAsGiven() {
        env.put("LEASE_IDS", " a/1, b/2 ");

        assertThat(load().credentials().environmentLeaseIds()).isEqualTo(" a/1, b/2 ");
    }

    @Test
    void stripsTheNamespace() {
        env.put("VAULT_NAMESPACE", " team-a/sub ");

        assertThat(load().vault().namespace()).isEqualTo("team-a/sub");
    }

    @Test
    void stripsWhitespaceAroundValues() {
        env.put("RENEW_INTERVAL", " 60 ");
        env.put("RENEWER_RETRY_ATTEMPTS", " 2 ");
        env.put("RENEWER_CONNECT_TIMEOUT", " 3s ");

        Settings settings = load();

        assertThat(settings.schedule().renewInterval()).isEqualTo(Duration.ofSeconds(60));
        assertThat(settings.retries().attempts()).isEqualTo(2);
        assertThat(settings.vault().connectTimeout()).isEqualTo(Duration.ofSeconds(3));
    }

    // ---- vault addr ----
    @ParameterizedTest
    @CsvSource({
        "https://vault.example.com:8200/,     https://vault.example.com:8200",
        "https://vault.example.com:8200///,   https://vault.example.com:8200",
        "http://vault:8200/prefix/,           http://vault:8200/prefix",
        "http://127.0.0.1:8200,               http://127.0.0.1:8200",
        "HTTPS://Vault.Example.com,           HTTPS://Vault.Example.com",
        "'  https://vault:8200  ',            https://vault:8200",
    })
    void acceptsAnHttpOrHttpsUrlWithoutTrailingSlashes(String given, String expected) {
        env.put("VAULT_ADDR", given);

        assertThat(load().vault().address()).isEqualTo(expected);
    }

    @Test
    void reportsAMissingAddress() {
        env.remove("VAULT_ADDR");

        assertThat(loadFails().problems()).singleElement(STRING).startsWith("VAULT_ADDR is not set");
    }

    @Test
    void refusesAUserNameAndPasswordWithoutEchoingThem() {
        env.put("VAULT_ADDR", "https://admin:s3cret-pw@vault.example.com:8200");

        assertThat(loadFails().problems())
                .singleElement(STRING)
                .startsWith("VAULT_ADDR")
                .contains("user name or password")
                .doesNotContain("s3cret-pw")
                .doesNotContain("admin");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "https://admin:p@ss-s3cret@vault.example.com:8200",
                "https://admin:s3cr%t@vault.example.com:8200",
                "ftp://admin:s3cret@vault.example.com"
            })
    void neverEchoesAPasswordInTheAddress(String address) {
        env.put("VAULT_ADDR", address);

        assertThat(loadFails().problems())
                .singleElement(STRING)
                .startsWith("VAULT_ADDR")
                .doesNotContain("s3cr");
    }

    // ---- run once ----
    @ParameterizedTest
    @ValueSource(strings = {"true", "TRUE", "yes", "Yes", "1", " true "})
    void readsRunOnceYes(String value) {
        env.put("RUN_ONCE", value);

        assertThat(load().schedule().runOnce()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"false", "FALSE", "no", "0"})
    void readsRunOnceNo(String value) {
        env.put("RUN_ONCE", value);

        assertThat(load().schedule().runOnce()).isFalse();
    }

    // ---- numbers ----
    @ParameterizedTest
    @CsvSource({"1, 1", "60, 60", "21600, 21600", "86400, 86400"})
    void acceptsARenewIntervalOfWholeSeconds(String value, long seconds) {
        env.put("RENEW_INTERVAL", value);

        assertThat(load().schedule().renewInterval()).isEqualTo(Duration.ofSeconds(seconds));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 5, 10})
    void acceptsRetryAttemptsFromZeroToTen(int attempts) {
        env.put("RENEWER_RETRY_ATTEMPTS", String.valueOf(attempts));

        assertThat(load().retries().attempts()).isEqualTo(attempts);
    }

    @ParameterizedTest
    @CsvSource({"5, PT5S", "5s, PT5S", "500ms, PT0.5S", "1m30s, PT1M30S", "1ms, PT0.001S", "10m, PT10M", "600, PT10M"})
    void acceptsEveryTimeoutBetweenZeroAndTenMinutes(String value, Duration expected) {
        env.put("RENEWER_CONNECT_TIMEOUT", value);
        env.put("RENEWER_RESPONSE_TIMEOUT", value);
        env.put("RENEWER_RETRY_DELAY", value);
        env.put("RENEWER_RETRY_MAX_DELAY", value);

        Settings settings = load();

        assertThat(settings.vault().connectTimeout()).isEqualTo(expected);
        assertThat(settings.vault().responseTimeout()).isEqualTo(expected);
        assertThat(settings.retries().delay()).isEqualTo(expected);
        assertThat(settings.retries().maxDelay()).isEqualTo(expected);
    }

    // ---- bad settings ----
    @ParameterizedTest(name = "{0}={1}")
    @CsvSource({
        "VAULT_ADDR, vault.example.com:8200",
        "VAULT_ADDR, localhost",
        "VAULT_ADDR, ftp://vault.example.com",
        "VAULT_ADDR, http://",
        "VAULT_ADDR, http:///v1",
        "VAULT_ADDR, http://vault:port",
        "VAULT_ADDR, https://vault exa.com",
        "VAULT_ADDR, https://vault:8200?x=1",
        "VAULT_ADDR, https://vault:8200/#frag",
        "VAULT_ADDR, https://user@vault:8200",
        "RENEW_INTERVAL, abc",
        "RENEW_INTERVAL, 0",
        "RENEW_INTERVAL, -5",
        "RENEW_INTERVAL, 6h",
        "RENEW_INTERVAL, 1.5",
        "RENEW_INTERVAL, 99999999999999999999",
        "RUN_ONCE, maybe",
        "RUN_ONCE, on",
        "RUN_ONCE, 2",
        "RENEWER_RETRY_ATTEMPTS, -1",
        "RENEWER_RETRY_ATTEMPTS, 11",
        "RENEWER_RETRY_ATTEMPTS, 100",
        "RENEWER_RETRY_ATTEMPTS, three",
        "RENEWER_RETRY_ATTEMPTS, 1.5",
        "CAMEL_MANAGEMENT_PORT, http",
        "CAMEL_MANAGEMENT_PORT, -1",
        "CAMEL_MANAGEMENT_PORT, 65536",
        "CAMEL_MANAGEMENT_PORT, 123456",
        "CAMEL_MANAGEMENT_HOST, 999.1.1.1",
        "CAMEL_MANAGEMENT_HOST, 10.0.0",
        "CAMEL_MANAGEMENT_HOST, http://localhost",
        "CAMEL_MANAGEMENT_HOST, -renewer.example",
        "CAMEL_MANAGEMENT_HOST, renewer example",
        "CAMEL_MANAGEMENT_HOST, ::1::2::3",
        "ROUTES_DIR, /nonexistent/routes",
        "ROUTES_RELOAD, sometimes",
        "REVOKE_ON_SHUTDOWN, later",
        "VAULT_MAX_RETRIES, 11",
        "VAULT_MAX_RETRIES, two",
        "VAULT_CLIENT_TIMEOUT, soon",
        "VAULT_CLIENT_TIMEOUT, 0",
        "VAULT_SKIP_VERIFY, maybe",
        "VAULT_CACERT, /nonexistent/ca.pem",
        "VAULT_CAPATH, /nonexistent/cas",
        "VAULT_CLIENT_CERT, /nonexistent/client.pem",
        "RENEWER_MAX_REQUESTS_PER_SECOND, many",
        "RENEWER_MAX_REQUESTS_PER_SECOND, -1",
        "RENEWER_JITTER, 60%",
        "RENEWER_JITTER, 0.1",
        "RENEWER_REDIRECT_HOSTS, https://vault-0:8200",
        "RENEWER_REDIRECT_HOSTS, vault-0:8200",
        "RENEWER_REDIRECT_HOSTS, *",
    })
    void reportsABadValueNamingItsVariable(String name, String value) {
        env.put(name, value);

        assertThat(loadFails().problems()).singleElement(STRING).startsWith(name);
    }

    static Stream<Arguments> badTimeouts() {
        return Stream.of(
                        "RENEWER_CONNECT_TIMEOUT",
                        "RENEWER_RESPONSE_TIMEOUT",
                        "RENEWER_RETRY_DELAY",
                        "RENEWER_RETRY_MAX_DELAY")
                .flatMap(name -> Stream.of(
                                "0",
                                "0s",
                                "0ms",
                                "-1",
                                "-5s",
                                "abc",
                                "5x",
                                "5 s",
                                "1.5s",
                                "601",
                                "11m",
                                "10m1ms",
                                "1h",
                                "99999999999999999999")
                        .map(value -> Arguments.of(name, value)));
    }

    @ParameterizedTest(name = "{0}={1}")
    @MethodSource("badTimeouts")
    void reportsABadTimeoutNamingItsVariable(String name, String value) {
        env.put(name, value);

        assertThat(loadFails().problems()).singleElement(STRING).startsWith(name);
    }

    @ParameterizedTest
    @EnumSource(
            value = Setting.class,
            names = {
                "RENEWER_CONNECT_TIMEOUT",
                "RENEWER_RESPONSE_TIMEOUT",
                "RENEWER_RETRY_DELAY",
                "RENEWER_RETRY_MAX_DELAY"
            })
    void reportsATimeoutTooLargeForADurationAsAProblem(Setting setting) {
        env.put(setting.envName(), "9999999999999999h");

        assertThat(loadFails().problems()).singleElement(STRING).startsWith(setting.envName());
    }

    @Test
    void reportsEveryProblemAtOnce() {
        env.remove("VAULT_ADDR");
        env.put("RENEW_INTERVAL", "6h");
        env.put("RUN_ONCE", "perhaps");
        env.put("RENEWER_CONNECT_TIMEOUT", "0");
        env.put("RENEWER_RESPONSE_TIMEOUT", "11m");
        env.put("RENEWER_RETRY_ATTEMPTS", "11");
        env.put("RENEWER_RETRY_DELAY", "soon");
        env.put("RENEWER_RETRY_MAX_DELAY", "-1");
        env.remove("VAULT_TOKEN");

        InvalidSettingsException e = loadFails();

        assertThat(e.problems())
                .hasSize(9)
                .anySatisfy(p -> assertThat(p).startsWith("VAULT_ADDR"))
                .anySatisfy(p -> assertThat(p).startsWith("RENEW_INTERVAL"))
                .anySatisfy(p -> assertThat(p).startsWith("RUN_ONCE"))
                .anySatisfy(p -> assertThat(p).startsWith("RENEWER_CONNECT_TIMEOUT"))
                .anySatisfy(p -> assertThat(p).startsWith("RENEWER_RESPONSE_TIMEOUT"))
                .anySatisfy(p -> assertThat(p).startsWith("RENEWER_RETRY_ATTEMPTS"))
                .anySatisfy(p -> assertThat(p).startsWith("RENEWER_RETRY_DELAY"))
                .anySatisfy(p -> assertThat(p).startsWith("RENEWER_RETRY_MAX_DELAY"))
                .anySatisfy(p -> assertThat(p).startsWith("VAULT_TOKEN"));
        assertThat(e).hasMessage(String.join("; ", e.problems()));
    }

    @Test
    void servesOnPort9876AndLoadsOnlyTheBuiltInRoutesByDefault() {
        Settings settings = load();

        assertThat(settings.management().port()).isEqualTo(9876);
        assertThat(settings.management().host()).isEqualTo("0.0.0.0");
        assertThat(settings.routes().dir()).isNull();
        assertThat(settings.routes().reload()).isFalse();
        assertThat(settings.revokeOnShutdown()).isFalse();
    }

    @Test
    void readsTheManagementPortFromCamelsOwnKeyOrItsVariable() {
        props.put("camel.management.port", "9000");
        assertThat(load().management().port()).isEqualTo(9000);

        env.put("CAMEL_MANAGEMENT_PORT", "0");
        assertThat(load().management().port()).isZero();
    }

    @ParameterizedTest(name = "CAMEL_MANAGEMENT_HOST={0}")
    @CsvSource({
        "127.0.0.1, 127.0.0.1",
        "0.0.0.0, 0.0.0.0",
        "::1, ::1",
        "[::1], ::1",
        "localhost, localhost",
        "renewer.default.svc.cluster.local, renewer.default.svc.cluster.local"
    })
    void readsTheManagementHostAsAnAddressOrAName(String value, String expected) {
        env.put("CAMEL_MANAGEMENT_HOST", value);

        assertThat(load().management().host()).isEqualTo(expected);
    }

    @Test
    void readsARoutesDirectoryWithReloadAndRevocation() {
        env.put("ROUTES_DIR", dir.toString());
        env.put("ROUTES_RELOAD", "true");
        env.put("REVOKE_ON_SHUTDOWN", "yes");

        Settings settings = load();

        assertThat(settings.routes().dir()).isEqualTo(dir);
        assertThat(settings.routes().reload()).isTrue();
        assertThat(settings.revokeOnShutdown()).isTrue();
    }

    @ParameterizedTest(
            name = "VAULT_MAX_RETRIES={0} RENEWER_RETRY_ATTEMPTS={1} VAULT_CLIENT_TIMEOUT={2}"
                    + " RENEWER_RESPONSE_TIMEOUT={3}")
    @CsvSource({
        // Vault's own names, when the renewer's are unset
        "5, , 60, , 5, 60",
        // the renewer's names win
        "5, 1, 60s, 10s, 1, 10",
    })
    void readsVaultsRetryAndTimeoutVariablesUnderTheRenewers(
            String vaultRetries, String retries, String vaultTimeout, String timeout, int attempts, long seconds) {
        env.put("VAULT_MAX_RETRIES", vaultRetries);
        env.put("VAULT_CLIENT_TIMEOUT", vaultTimeout);
        if (retries != null) {
            env.put("RENEWER_RETRY_ATTEMPTS", retries);
            env.put("RENEWER_RESPONSE_TIMEOUT", timeout);
        }

        Settings settings = load();

        assertThat(settings.retries().attempts()).isEqualTo(attempts);
        assertThat(settings.vault().responseTimeout()).isEqualTo(Duration.ofSeconds(seconds));
    }

    @Test
    void readsTheRequestBoundAndTheJitter() {
        assertThat(load().vault().maxRequestsPerSecond()).isEqualTo(20);
        assertThat(load().schedule().jitterPercent()).isEqualTo(10);

        env.put("RENEWER_MAX_REQUESTS_PER_SECOND", "0");
        env.put("RENEWER_JITTER", "25%");

        assertThat(load().vault().maxRequestsPerSecond()).isZero();
        assertThat(load().schedule().jitterPercent()).isEqualTo(25);
    }

    @ParameterizedTest
    @EnumSource(Setting.class)
    void documentsEverySettingInItsTableAndTheProperties(Setting setting) throws IOException {
        // the init mode's own settings in its page, the others in the configuration page
        Path table = Path.of(
                "docs", setting.propertyKey().startsWith("renewer.init.") ? "init-mode.md" : "configuration.md");
        assertThat(Files.readString(table))
                .as("the settings table of " + table)
                .containsPattern("\\| `" + setting.envName() + "`[^\\n]*\\| `" + setting.propertyKey() + "`");
        assertThat(Files.readString(Path.of("src/main/resources/application.properties")))
                .as("application.properties")
                .containsPattern("(?m)^# .*\\b" + setting.envName() + "\\b")
                .containsPattern("(?m)^#?" + java.util.regex.Pattern.quote(setting.propertyKey()) + " =");
    }

    @Test
    void readsTheRedirectHostsAsHostNamesAndDomains() {
        assertThat(load().vault().redirectHosts()).isEmpty();

        env.put("RENEWER_REDIRECT_HOSTS", " vault-0.vault-internal, *.Vault-Pods.local ,,");

        assertThat(load().vault().redirectHosts()).containsExactly("vault-0.vault-internal", "*.vault-pods.local");
    }

    @Test
    void reportsAClientCertificateWithoutItsKey() throws IOException {
        Path cert = Files.writeString(
                dir.resolve("client.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        env.put("VAULT_CLIENT_CERT", cert.toString());

        assertThat(loadFails().problems())
                .singleElement(STRING)
                .contains("VAULT_CLIENT_CERT")
                .doesNotContain("AAAA");
    }

    @Test
    void refusesRoutesReloadWithoutARoutesDirectory() {
        env.put("ROUTES_RELOAD", "true");

        assertThat(loadFails().problems()).singleElement(STRING).startsWith("ROUTES_RELOAD=true needs ROUTES_DIR");
    }

    @Test
    void reportsABadValueGivenInTheProperties() {
        props.put("renewer.renew-interval", "soon");

        assertThat(loadFails().problems()).singleElement(STRING).startsWith("RENEW_INTERVAL=soon");
    }

    // ---- token ----
    @Test
    void reportsATokenFoundNeitherInTheEnvironmentNorInTheFile() {
        env.remove("VAULT_TOKEN");

        assertThat(loadFails().problems())
                .singleElement(STRING)
                .startsWith("VAULT_TOKEN")
                .contains(env.get("VARIABLES_FILE"));
    }

    @Test
    void reportsATokenAbsentFromAnExistingFile() throws IOException {
        env.remove("VAULT_TOKEN");
        Path file = Files.writeString(dir.resolve("variables"), "export LEASE_IDS=a/1\n");
        env.put("VARIABLES_FILE", file.toString());

        assertThat(loadFails().problems()).singleElement(STRING).startsWith("VAULT_TOKEN");
    }

    @Test
    void acceptsATokenFoundOnlyInTheVariablesFile() throws IOException {
        env.remove("VAULT_TOKEN");
        Path file = Files.writeString(dir.resolve("variables"), "export VAULT_TOKEN=s.from-file\n");
        env.put("VARIABLES_FILE", file.toString());

        Settings settings = load();

        assertThat(settings.credentials().environmentToken()).isNull();
        assertThat(settings.credentials().variablesFile()).isEqualTo(file);
    }

    @Test
    void reportsAVariablesFileThatIsADirectory() {
        env.put("VARIABLES_FILE", dir.toString());

        assertThat(loadFails().problems())
                .singleElement(STRING)
                .startsWith("VARIABLES_FILE")
                .contains(dir.toString());
    }

    @Test
    void reportsAnUnterminatedQuoteInTheVariablesFileWithoutItsValue() throws IOException {
        Path file = Files.writeString(dir.resolve("variables"), "export A=1\nexport VAULT_TOKEN=\"s.half-written");
        env.put("VARIABLES_FILE", file.toString());

        assertThat(loadFails().problems())
                .singleElement(STRING)
                .startsWith("VARIABLES_FILE")
                .contains(file + " line 2")
                .doesNotContain("half-written");
    }

    @Test
    void neverPutsTheTokenInAProblem() {
        env.put("RENEW_INTERVAL", "x");
        env.put("RUN_ONCE", "x");

        assertThat(loadFails()).hasMessageNotContaining(TOKEN);
    }

    // ---- printing ----
    @Test
    void masksTheTokenInToString() {
        String printed = load().toString();

        assertThat(printed).doesNotContain(TOKEN).contains("environmentToken=****");
        assertThat(printed).contains("address=https://vault.example.com:8200", "renewInterval=PT6H");
    }

    @Test
    void saysTheTokenIsUnsetInToStringWhenItComesFromTheFile() throws IOException {
        env.remove("VAULT_TOKEN");
        Path file = Files.writeString(dir.resolve("variables"), "export VAULT_TOKEN=s.from-file\n");
        env.put("VARIABLES_FILE", file.toString());

        assertThat(load().toString()).contains("environmentToken=unset").doesNotContain("s.from-file");
    }

    // ---- EVICT_BEFORE_EXPIRY ----

    @TempDir
    static Path pkiDir;

    private static io.kubevaultauthrenewer.emulator.TestPki pki;

    /** One CA for the class: keytool takes a second. */
    private static synchronized io.kubevaultauthrenewer.emulator.TestPki pki() {
        if (pki == null) {
            pki = io.kubevaultauthrenewer.emulator.TestPki.create(pkiDir);
        }
        return pki;
    }

    /** A pod's view: the downward API's name and namespace, the kubelet's variables, a service account directory. */
    private Path inAPod() throws IOException {
        Path sa = Files.createDirectories(dir.resolve("serviceaccount"));
        Files.writeString(sa.resolve("token"), "eyJhbGciOiJSUzI1NiJ9.service-account-token.signature");
        Files.writeString(sa.resolve("namespace"), "apps\n");
        Files.copy(pki().caPem, sa.resolve("ca.crt"));
        env.put("EVICT_BEFORE_EXPIRY", "15m");
        env.put("POD_NAME", "my-app-7d9f8c6b5-x2k4q");
        env.put("KUBERNETES_SERVICE_HOST", "10.96.0.1");
        env.put("RENEWER_SERVICE_ACCOUNT_DIR", sa.toString());
        return sa;
    }

    @Test
    void leavesEvictionOffByDefault() {
        assertThat(load().eviction()).isNull();
    }

    @Test
    void readsTheEvictionAndThePodFromTheDownwardApiAndTheServiceAccount() throws IOException {
        Path sa = inAPod();

        SelfEviction eviction = load().eviction();

        assertThat(eviction.lead()).isEqualTo(Duration.ofMinutes(15));
        assertThat(eviction.podName()).isEqualTo("my-app-7d9f8c6b5-x2k4q");
        assertThat(eviction.namespace()).as("from the namespace file").isEqualTo("apps");
        assertThat(eviction.apiAuthority()).isEqualTo("10.96.0.1:443");
        assertThat(eviction.tokenFile()).isEqualTo(sa.resolve("token"));
        assertThat(eviction.evictionPath()).isEqualTo("/api/v1/namespaces/apps/pods/my-app-7d9f8c6b5-x2k4q/eviction");
        env.put("POD_NAMESPACE", "team-b");
        env.put("KUBERNETES_SERVICE_HOST", "fd00::1");
        env.put("KUBERNETES_SERVICE_PORT_HTTPS", "6443");
        assertThat(load().eviction().namespace()).isEqualTo("team-b");
        assertThat(load().eviction().apiAuthority()).isEqualTo("[fd00::1]:6443");
        assertThat(load().toString()).doesNotContain("service-account-token");
    }

    @Test
    void refusesEvictionOutsideKubernetesNamingWhatIsMissing() {
        env.put("EVICT_BEFORE_EXPIRY", "15m");
        env.put("RENEWER_SERVICE_ACCOUNT_DIR", dir.resolve("no-service-account").toString());

        assertThat(loadFails().problems())
                .containsExactlyInAnyOrder(
                        "EVICT_BEFORE_EXPIRY needs POD_NAME, the pod's own name (env POD_NAME valueFrom fieldRef"
                                + " metadata.name): unset EVICT_BEFORE_EXPIRY outside Kubernetes",
                        "EVICT_BEFORE_EXPIRY needs the pod's service-account token, and "
                                + dir.resolve("no-service-account/token")
                                + " does not exist (outside Kubernetes, or automountServiceAccountToken: false)",
                        "EVICT_BEFORE_EXPIRY needs POD_NAMESPACE (env valueFrom fieldRef metadata.namespace) or "
                                + dir.resolve("no-service-account/namespace"),
                        "EVICT_BEFORE_EXPIRY needs KUBERNETES_SERVICE_HOST, which Kubernetes sets in every container:"
                                + " unset EVICT_BEFORE_EXPIRY outside Kubernetes");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "EVICT_BEFORE_EXPIRY | soon | EVICT_BEFORE_EXPIRY=soon is not a duration",
                "EVICT_BEFORE_EXPIRY | 500ms | EVICT_BEFORE_EXPIRY=500ms must be at least 1s and at most 7 days",
                "EVICT_BEFORE_EXPIRY | 8d | EVICT_BEFORE_EXPIRY=8d",
                "POD_NAME | My_Pod | POD_NAME=My_Pod is not a pod name",
                "POD_NAMESPACE | apps.team | POD_NAMESPACE=apps.team is not a namespace name",
                "KUBERNETES_SERVICE_HOST | https://10.96.0.1 | KUBERNETES_SERVICE_HOST=https://10.96.0.1 is not a host",
                "KUBERNETES_SERVICE_PORT_HTTPS | 0 | KUBERNETES_SERVICE_PORT_HTTPS=0 must be a whole number from 1",
                "RUN_ONCE | true | EVICT_BEFORE_EXPIRY has no effect with RUN_ONCE=true"
            })
    void reportsABadEvictionSettingNamingIt(String name, String value, String problem) throws IOException {
        inAPod();
        env.put(name, value);

        assertThat(loadFails().problems()).singleElement().asString().startsWith(problem);
    }

    @Test
    void reportsAServiceAccountCaThatIsNotPem() throws IOException {
        Path sa = inAPod();
        Files.writeString(sa.resolve("ca.crt"), "not a certificate");

        assertThat(loadFails().problems())
                .singleElement()
                .asString()
                .startsWith("EVICT_BEFORE_EXPIRY needs the API server's CA: " + sa.resolve("ca.crt"));
    }
}

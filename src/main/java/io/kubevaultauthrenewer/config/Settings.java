package io.kubevaultauthrenewer.config;

import java.util.Optional;
import java.util.function.Function;

/**
 * The renewer's settings, read once at start-up by one {@link SettingsReader} and validated together: every problem
 * is reported at once, one line each, naming the variable. They are grouped by what uses them; each group states its
 * defaults and bounds. The token must be found in the environment or the variables file, and the file must be
 * readable.
 *
 * @param vault how to reach Vault (both modes)
 * @param credentials where the token and the lease ids come from
 * @param schedule when the cycles run
 * @param retries how a transient failure is tried again
 * @param management the health and metrics port
 * @param routes route files from ROUTES_DIR
 * @param revokeOnShutdown REVOKE_ON_SHUTDOWN: revoke the leases and the token when the renewer stops
 * @param eviction EVICT_BEFORE_EXPIRY and the pod it evicts; null when it is off (the default)
 */
public record Settings(
        VaultSettings vault,
        CredentialsSettings credentials,
        ScheduleSettings schedule,
        RetrySettings retries,
        ManagementSettings management,
        RoutesSettings routes,
        boolean revokeOnShutdown,
        SelfEviction eviction) {

    /**
     * Reads and validates every setting of the renewer.
     *
     * @param environment the process environment (a lookup by variable name)
     * @param properties the properties (a lookup by key)
     * @throws InvalidSettingsException naming every setting that is wrong
     */
    public static Settings load(Function<String, String> environment, Function<String, Optional<String>> properties) {
        return load(new SettingsReader(environment, properties));
    }

    /**
     * Reads and validates every setting of the renewer with {@code r}.
     *
     * @throws InvalidSettingsException naming every setting that is wrong
     */
    public static Settings load(SettingsReader r) {
        Settings settings = read(r, false);
        r.check();
        return settings;
    }

    /**
     * Reads the settings into {@code r}, which collects the problems ({@link SettingsReader#check()} reports them). In
     * the init mode, only what it shares with the renewer counts: no token is needed yet, the file is to be written,
     * not read, and there is no eviction.
     */
    public static Settings read(SettingsReader r, boolean init) {
        Settings settings = new Settings(
                VaultSettings.read(r),
                CredentialsSettings.read(r),
                ScheduleSettings.read(r),
                RetrySettings.read(r),
                ManagementSettings.read(r),
                RoutesSettings.read(r),
                r.flag(Setting.REVOKE_ON_SHUTDOWN),
                init ? null : SelfEviction.read(r));
        if (settings.eviction() != null && settings.schedule().runOnce()) {
            r.problem("EVICT_BEFORE_EXPIRY has no effect with RUN_ONCE=true (one run ends long before any"
                    + " end of life): unset one of them");
        }
        if (settings.credentials().variablesFile() != null && !init) {
            try {
                new CredentialsSource(settings.credentials()).load();
            } catch (VariablesFileException e) {
                String problem = e.getMessage();
                r.problem(problem.startsWith(Setting.VAULT_TOKEN.envName()) ? problem : "VARIABLES_FILE " + problem);
            }
        }
        r.logFormat();
        return settings;
    }
}

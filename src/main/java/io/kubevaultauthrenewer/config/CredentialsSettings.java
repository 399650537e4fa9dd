package io.kubevaultauthrenewer.config;

import java.nio.file.Path;

/**
 * Where the token and the lease ids come from: the variables file the init container writes (read again at every
 * cycle), else the environment.
 *
 * @param environmentToken VAULT_TOKEN from the environment, or null (the variables file may hold it)
 * @param environmentLeaseIds LEASE_IDS from the environment, or "" (the variables file may hold it)
 * @param variablesFile VARIABLES_FILE: the file the init container writes
 */
public record CredentialsSettings(String environmentToken, String environmentLeaseIds, Path variablesFile) {

    public static final String DEFAULT_VARIABLES_FILE = "/env/variables";

    static CredentialsSettings read(SettingsReader r) {
        return new CredentialsSettings(
                r.raw(Setting.VAULT_TOKEN).orElse(null),
                r.raw(Setting.LEASE_IDS).orElse(""),
                variablesFile(r));
    }

    /** VARIABLES_FILE, or its default; null (and a problem) when it is not a path. */
    public static Path variablesFile(SettingsReader r) {
        Path file = r.path(Setting.VARIABLES_FILE);
        return file != null || r.raw(Setting.VARIABLES_FILE).isPresent() ? file : Path.of(DEFAULT_VARIABLES_FILE);
    }

    @Override
    public String toString() {
        return "CredentialsSettings[environmentToken=" + (environmentToken == null ? "unset" : "****")
                + ", environmentLeaseIds=" + environmentLeaseIds + ", variablesFile=" + variablesFile + "]";
    }
}

package io.kubevaultauthrenewer.config;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the credentials for a cycle: the variables file, read anew each time, wins over the environment (the
 * original image sourced the file after its environment was set).
 */
public final class CredentialsSource {

    private static final Set<String> NAMES = Set.of(Setting.VAULT_TOKEN.envName(), Setting.LEASE_IDS.envName());

    private final CredentialsSettings settings;
    private boolean fileRead;

    public CredentialsSource(CredentialsSettings settings) {
        this.settings = settings;
    }

    /**
     * Reads the credentials as they are now.
     *
     * @throws VariablesFileException when the file cannot be read or parsed, is gone after it was read, or no token is
     *     found anywhere
     */
    public Credentials load() throws VariablesFileException {
        Optional<Map<String, String>> file = VariablesFile.read(settings.variablesFile(), NAMES);
        if (file.isEmpty() && fileRead) {
            // falling back to the environment now would drop the lease ids the file gave
            throw new VariablesFileException(settings.variablesFile() + " no longer exists");
        }
        fileRead = file.isPresent();
        String fileToken = file.map(f -> f.get(Setting.VAULT_TOKEN.envName())).orElse(null);
        String fileLeaseIds = file.map(f -> f.get(Setting.LEASE_IDS.envName())).orElse(null);

        String token = fileToken != null ? fileToken.strip() : settings.environmentToken();
        if (token == null || token.isBlank()) {
            throw new VariablesFileException("VAULT_TOKEN is set neither in the environment nor in "
                    + settings.variablesFile() + (file.isEmpty() ? " (no such file)" : ""));
        }
        String leaseIds = fileLeaseIds != null ? fileLeaseIds : settings.environmentLeaseIds();
        String leaseIdsFrom = "LEASE_IDS from " + (fileLeaseIds != null ? settings.variablesFile() : "the environment");
        String origin = "VAULT_TOKEN from " + (fileToken != null ? settings.variablesFile() : "the environment") + ", "
                + leaseIdsFrom;
        return new Credentials(token.strip(), LeaseIds.split(leaseIds, leaseIdsFrom), origin);
    }
}
